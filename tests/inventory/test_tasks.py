"""Fulfilment's daily jobs through the real Celery worker (DESIGN §5): the shipping notices'
expiry (R12) and the contract ledger's aging after a signed delivery (R14, R18); both in the
beat schedule."""

import datetime
from decimal import Decimal

import pytest
from celery.result import EagerResult
from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from approvals.models import ApprovalRequest, Decision, RequestStatus
from config.celery import app
from contracts.models import ContractLedger
from contracts.tasks import ledger_age
from inventory import services
from inventory.models import ShippingNotice, StockLevel
from inventory.tasks import shipping_notices_expire
from tests.contracts.conftest import make_order
from tests.inventory.conftest import activate, approved_notice, put_stock

TIMEOUT = 30  # seconds to wait for the worker's answer


def _snapshot(notices, product, warehouse) -> dict:
    """What the expiry job may change: statuses, the stock reservation, approval requests."""
    return {
        "statuses": {
            n.pk: ShippingNotice.objects.values_list("status", flat=True).get(pk=n.pk)
            for n in notices
        },
        "reserved": StockLevel.objects.get(product=product, warehouse=warehouse).reserved,
        "requests": sorted(
            ApprovalRequest.objects.filter(document_type="shipping_notice").values_list(
                "document_id", "status"
            )
        ),
    }


@pytest.mark.rule("R12", "R25")
@pytest.mark.celery_worker
def test_r12_worker_expires_stale_approved_and_submitted_notices_and_twice_changes_nothing(
    celery_live_worker, clerk, customer, catalogue, manager, gm, head, finance, keeper, warehouse
):
    """R12, daily: as of the day after their validity, an approved notice expires and gives
    back its reservation, a submitted one expires too and its approval request is closed with
    no one's decision recorded; a notice still valid is left alone; a second run changes
    nothing."""
    order = make_order(
        clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm, qty="6"
    )
    contract = activate(clerk=clerk, order=order, head=head, finance=finance)
    lathe_line = contract.lines.get(product__code="P-1001")
    lathe = lathe_line.product
    put_stock(actor=keeper, product=lathe, warehouse=warehouse, quantity="5")
    today = timezone.localdate()
    one = [{"contract_line": lathe_line.pk, "quantity": "1"}]
    common = {"clerk": clerk, "manager": manager, "contract": contract, "warehouse": warehouse}
    stale = approved_notice(**common, lines=one, valid_until=today.isoformat())
    valid = approved_notice(
        **common, lines=one, valid_until=(today + datetime.timedelta(days=30)).isoformat()
    )
    waiting = services.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": warehouse.pk,
            "lines": one,
            "valid_until": today.isoformat(),
        },
    )
    services.shipping_notice_submit(actor=clerk, notice_id=waiting.pk)
    assert StockLevel.objects.get(product=lathe, warehouse=warehouse).reserved == Decimal("2.000")
    as_of = (today + datetime.timedelta(days=1)).isoformat()

    first = shipping_notices_expire.delay(as_of)

    assert not isinstance(first, EagerResult)
    assert first.get(timeout=TIMEOUT) == {"expired": 2, "failed": 0}
    stale.refresh_from_db()
    waiting.refresh_from_db()
    valid.refresh_from_db()
    assert (stale.status, waiting.status, valid.status) == ("expired", "expired", "approved")
    assert stale.expired_at is not None
    level = StockLevel.objects.get(product=lathe, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (Decimal("5.000"), Decimal("1.000"))
    assert list(
        ApprovalRequest.objects.filter(
            document_type="shipping_notice", document_id=waiting.pk
        ).values_list("status", flat=True)
    ) == [RequestStatus.WITHDRAWN]
    assert not Decision.objects.filter(request__document_id=waiting.pk).exists()
    before = _snapshot([stale, valid, waiting], lathe, warehouse)

    assert shipping_notices_expire.delay(as_of).get(timeout=TIMEOUT) == {
        "expired": 0,
        "failed": 0,
    }
    assert _snapshot([stale, valid, waiting], lathe, warehouse) == before


@pytest.mark.rule("R14", "R18")
@pytest.mark.celery_worker
def test_r18_worker_ages_the_ledger_after_a_signed_delivery(
    celery_live_worker, clerk, manager, contract, lathe_line, warehouse, keeper, guard
):
    """R14, R18: a delivery signed 60 days ago with 45 credit days fell due 15 days ago. The
    daily aging run as of a day before that sets due and overdue to 0; as of today both are the
    notice's gross; a second run changes nothing."""
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=[{"contract_line": lathe_line.pk, "quantity": "1"}],
    )
    notice = services.shipping_notice_issue(actor=keeper, notice_id=notice.pk)
    services.gate_exit(actor=guard, gate_pass_no=notice.gate_pass_no)
    signed_at = timezone.localdate() - datetime.timedelta(days=60)
    services.shipping_notice_confirm_delivery(
        actor=clerk, notice_id=notice.pk, signed_by="张三", signed_at=signed_at
    )
    assert contract.credit_days == 45

    def figures():
        ledger = ContractLedger.objects.get(contract=contract)
        return ledger.delivered, ledger.due, ledger.overdue

    before_due = (signed_at + datetime.timedelta(days=44)).isoformat()
    result = ledger_age.delay(before_due)
    assert not isinstance(result, EagerResult)
    assert result.get(timeout=TIMEOUT) == 1
    assert figures() == (Decimal("180800.00"), Decimal("0.00"), Decimal("0.00"))

    assert ledger_age.delay(timezone.localdate().isoformat()).get(timeout=TIMEOUT) == 1
    assert figures() == (notice.gross_amount, notice.gross_amount, notice.gross_amount)
    assert notice.gross_amount == Decimal("180800.00")

    assert ledger_age.delay(timezone.localdate().isoformat()).get(timeout=TIMEOUT) == 1
    assert figures() == (notice.gross_amount, notice.gross_amount, notice.gross_amount)


@pytest.mark.rule("R12", "R18")
def test_both_daily_jobs_are_in_the_beat_schedule_and_registered():
    """R12 expiry and R18 aging are scheduled daily (crontab) and acknowledge late."""
    app.loader.import_default_modules()
    by_task = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    for name in ("inventory.tasks.shipping_notices_expire", "contracts.tasks.ledger_age"):
        assert name in by_task, f"{name} is not scheduled"
        schedule = by_task[name]["schedule"]
        assert isinstance(schedule, crontab)
        assert schedule.day_of_week == set(range(7))
        assert len(schedule.hour) == len(schedule.minute) == 1, "once a day"
        assert app.tasks[name].acks_late
