"""The journal page (issue 12 item 9): journal lines by contract, customer or account with
running balances — an account's own, or the receivable's (1122) for a contract or a customer —
that continue across pages and start from the balance before the first date; a search shows
lines without a balance; an XLSX export; for finance, its VP and the general manager."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from finance.services import journal_post
from finance.views import journal as journal_views
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
URL = "/journal/"


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def _post(actor, day, lines, *, memo="test", number="", contract=None, customer=None):
    with transaction.atomic():
        return journal_post(
            actor=actor,
            date=day,
            memo=memo,
            source_type="test",
            source_id=1,
            source_number=number,
            lines=lines,
            contract_id=contract.pk if contract else None,
            customer_id=customer.pk if customer else (contract.customer_id if contract else None),
        )


@pytest.fixture
def reader(client, finance):
    client.force_login(finance)
    return client


@pytest.fixture
def receivables(finance, contract, second_contract):
    """The contract: 1,130 delivered 20 days ago, 300 collected 10 days ago, 30 interest today;
    the second contract (same customer): 500 delivered 15 days ago; bank lines without one."""
    _post(finance, days_ago(20), [("1122", "1130", 0), ("6001", 0, "1130")], contract=contract)
    _post(
        finance,
        days_ago(15),
        [("1122", "500", 0), ("6001", 0, "500")],
        contract=second_contract,
        number="FH-2",
    )
    _post(finance, days_ago(10), [("1002", "300", 0), ("1122", 0, "300")], contract=contract)
    _post(finance, TODAY(), [("1122", "30", 0), ("6603", 0, "30")], contract=contract, memo="利息")
    _post(finance, days_ago(5), [("1002", "99", 0), ("2203", 0, "99")], memo="预收 unrelated")


def _balances(page: str) -> list[str]:
    """The balance column of the page's table, in order."""
    body = page.split('id="journal-lines"')[1].split("<tbody>")[1].split("</tbody>")[0]
    rows = [row for row in body.split("<tr")[1:] if "opening" not in row.split(">")[0]]
    return [row.rsplit('<td class="num">', 1)[1].split("<")[0] for row in rows]


def test_by_contract_the_receivable_balance_runs_beside_every_line(reader, contract, receivables):
    response = reader.get(URL, {"contract": contract.number})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="balance-note"' in page
    # 1122 +1,130; revenue line keeps it; −300 collected; bank line; +30 interest; its income
    assert _balances(page) == [
        "1,130.00",
        "1,130.00",
        "1,130.00",
        "830.00",
        "860.00",
        "860.00",
    ]
    assert "FH-2" not in page and "unrelated" not in page
    assert 'id="journal-totals"' in page and "860.00</th>" in page


def test_by_customer_both_contracts_run_one_receivable(reader, customer, receivables):
    page = reader.get(URL, {"customer": customer.pk}).content.decode()

    assert _balances(page)[-1] == "1,360.00"  # 1,130 + 500 − 300 + 30
    assert "FH-2" in page
    by_name = reader.get(URL, {"customer": customer.name}).content.decode()
    assert _balances(by_name) == _balances(page)


def test_by_account_the_balance_starts_before_the_first_date_and_continues_on_the_next_page(
    reader, receivables, monkeypatch
):
    monkeypatch.setattr(journal_views, "PAGE_SIZE", 2)
    params = {"account": "1122", "date_from": days_ago(16).isoformat()}

    first = reader.get(URL, params).content.decode()
    second = reader.get(URL, {**params, "page": 2}).content.decode()

    assert 'class="opening"' in first
    assert 'class="num">1,130.00</td></tr>' in first  # the opening: the delivery 20 days ago
    assert _balances(first) == ["1,630.00", "1,330.00"]
    assert _balances(second) == ["1,360.00"]
    assert 'class="opening"' not in second


def test_the_page_queries_do_not_grow_with_the_lines(
    reader, finance, receivables, django_assert_max_num_queries
):
    with django_assert_max_num_queries(14):
        reader.get(URL, {"account": "1122"})
    for _ in range(10):
        _post(finance, TODAY(), [("1122", "1", 0), ("6001", 0, "1")])
    with django_assert_max_num_queries(14):
        page = reader.get(URL, {"account": "1122"}).content.decode()
    assert len(_balances(page)) == 14


def test_a_search_shows_matching_lines_without_a_balance(reader, contract, receivables):
    page = reader.get(URL, {"contract": contract.pk, "q": "利息"}).content.decode()

    assert 'id="balance-note"' not in page
    assert page.count("<td>利息</td>") == 2  # the interest entry's two lines, nothing else


def test_without_a_filter_every_line_is_listed_without_a_balance(reader, receivables):
    response = reader.get(URL)

    page = response.content.decode()
    assert 'id="balance-note"' not in page
    assert "unrelated" in page and "FH-2" in page
    assert response.context["page_obj"].paginator.count == 10


def test_the_export_has_the_lines_as_numbers_and_the_balance_unsummed(
    reader, contract, receivables
):
    response = reader.get(URL, {"contract": contract.pk, "export": "xlsx"})

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    header, *lines, total = rows
    assert header[-1] in {"Balance", "余额"}
    assert [line[-1] for line in lines] == [1130, 1130, 1130, 830, 860, 860]
    assert total[-3:] == (1460, 1460, None)  # debits and credits summed, not the balances
    assert isinstance(lines[0][-3], int | float | Decimal)


@pytest.mark.rule("R25")
def test_a_bad_filter_is_named_and_not_applied(reader, receivables):
    response = reader.get(
        URL, {"date_from": TODAY().isoformat(), "date_to": days_ago(3).isoformat()}
    )

    assert response.status_code == 400
    assert 'id="filter-error-date_to"' in response.content.decode()
    assert reader.get(URL, {"account": "9999"}).status_code == 400


@pytest.mark.parametrize("role", ["sales_clerk", "sales_manager", "warehouse"])
def test_only_finance_its_vp_and_the_general_manager_open_it(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(URL).status_code == 403
    for reader_role in ("finance_vp", "general_manager"):
        client.force_login(make_user(reader_role, username=f"{reader_role}.{role}"))
        assert client.get(URL).status_code == 200


def test_the_finance_menu_groups_the_pages_by_role(client, make_user, clerk):
    finance_user = make_user("finance", "finance_vp", "general_manager", username="all.fin")
    client.force_login(finance_user)
    page = client.get("/").content.decode()
    for url in (URL, "/trial-balance/", "/statements/"):
        assert f'href="{url}"' in page

    client.force_login(clerk)  # their customers' statements are on the customers' pages
    page = client.get("/").content.decode()
    assert 'href="/statements/"' not in page and f'href="{URL}"' not in page


def test_the_api_journal_still_filters_by_customer(api, finance, customer, receivables):
    other = CustomerFactory()
    _post(finance, TODAY(), [("1002", "1", 0), ("2203", 0, "1")], customer=other)

    body = api.as_user(finance).get(f"/api/v1/journal/?customer={customer.pk}").json()

    assert body["count"] == 4
    assert {entry["customer"] for entry in body["results"]} == {customer.pk}
