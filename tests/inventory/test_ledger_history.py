"""Issue 11 item 8 (R13, R14, R24): the contract ledger's figures move by counters; its page
shows the shipping notices that moved them — issued (shipped), delivered — by whom and when."""

import pytest
from django.utils import timezone, translation

from core.history import counter_moves
from inventory import services
from tests.inventory.conftest import issued_notice

pytestmark = pytest.mark.django_db


@pytest.mark.rule("R24")
def test_the_ledger_history_shows_the_notices_that_moved_its_figures(
    client, clerk, manager, keeper, guard, contract, warehouse, lathe_line
):
    notice = issued_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    services.shipping_notice_exit(actor=guard, notice_id=notice.pk)
    services.shipping_notice_confirm_delivery(
        actor=clerk, notice_id=notice.pk, signed_by="王五", signed_at=timezone.localdate()
    )

    with translation.override("en"):  # labels in the language of the assertion
        moves = [
            (
                str(row["kind_label"]),
                row["user"],
                str(row["changes"][0]["field"]),
                row["changes"][0]["amount"],
            )
            for row in counter_moves(contract.ledger)
        ]

    label = f"shipping notice {notice.number}"
    assert moves == [
        (label, clerk, "delivered", notice.gross_amount),
        (label, keeper, "shipped", notice.gross_amount),
    ]

    client.force_login(clerk)
    html = client.get(f"/contracts/{contract.pk}/ledger/", HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert "Documents that moved these figures" in html
    assert f'<a href="/shipping-notices/{notice.pk}/">{label}</a>' in html
    assert f"+{notice.gross_amount}" in html
