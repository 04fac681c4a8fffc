"""Figures on the contract pages and in the contract PDF (issue 11 item 1): the same
formatting layer as the pages, amounts with thousands separators and rates as percentages;
the API keeps its plain decimal strings."""

import re

import pytest
from django.core.files.storage import default_storage

from contracts.pdf import contract_pdf_name
from tests.contracts.test_pdf import active_contract, media, text_of  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_the_contract_page_shows_amounts_with_separators_and_the_tax_rate_as_a_percentage(
    client,
    clerk,
    active_contract,  # noqa: F811
):
    client.force_login(clerk)
    gross = active_contract.gross_amount

    html = client.get(f"/contracts/{active_contract.pk}/").content.decode()
    lines = html.split('id="lines"')[1].split("</table>")[0]

    assert f"{gross:,.2f}" in lines and f">{gross}<" not in lines
    assert "13%" in lines and "0.1300" not in lines and "13.00%" not in lines


def test_the_contract_pdf_prints_amounts_with_separators_and_rates_as_percentages(
    active_contract,  # noqa: F811
):
    with default_storage.open(contract_pdf_name(active_contract), "rb") as handle:
        text = text_of(handle.read())
    gross = active_contract.gross_amount

    assert f"¥{gross:,.2f}" in text  # the total in figures beside the amount in words
    assert re.search(r"\b\d{1,3}(,\d{3})+\.\d{2}\b", text)
    assert f"{gross}" not in text.replace(f"{gross:,.2f}", "")  # never without separators
    assert "13%" in text
    assert f"总金额的 {active_contract.first_payment_ratio * 100:.0f}%" in text


def test_the_api_keeps_plain_decimal_strings(api, clerk, active_contract):  # noqa: F811
    body = api.as_user(clerk).get(f"/api/v1/contracts/{active_contract.pk}/").json()

    assert body["gross_amount"] == str(active_contract.gross_amount)
    assert "," not in body["gross_amount"]
