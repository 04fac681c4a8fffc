"""Fulfilment at the service layer (R10–R15): every refusal code, and what each step writes.
A refused rule changes nothing (R25), so each refusal also checks that nothing moved."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from approvals.models import ApprovalRequest, Decision, RequestStatus
from contracts.models import ContractDue, ContractLedger
from contracts.services import ledger_add_collected
from core.errors import InvalidInput, PermissionRefused, RuleViolation
from core.models import ClosedPeriod
from core.money import MAX_QUANTITY
from inventory import services
from inventory.models import (
    GoodsReceipt,
    ProductionNotice,
    ServiceDispatch,
    ShippingNotice,
    StockLevel,
    StockMove,
)
from inventory.signals import delivery_confirmed
from sales.models import Customer
from sales.selectors import customer_credit, customer_overdue_amount
from tests.inventory.conftest import (
    approve,
    approved_notice,
    put_stock,
    released_notice,
    shipped_notice,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def _ledger(contract) -> ContractLedger:
    return ContractLedger.objects.get(contract=contract)


def _lines(line, quantity):
    return [{"contract_line": line.pk, "quantity": quantity}]


def _refused(code, call, **kwargs):
    with pytest.raises(RuleViolation) as caught:
        call(**kwargs)
    assert caught.value.code == code
    return caught.value


def _invalid(call, **kwargs) -> dict:
    with pytest.raises(InvalidInput) as caught:
        call(**kwargs)
    return caught.value.errors


# --- production notices (R10) --------------------------------------------------------------------


@pytest.mark.rule("R10")
def test_a_planner_prepares_a_notice_the_sales_vp_signs_and_the_planner_completes_it(
    planner, salesvp, contract, lathe_line
):
    notice = services.production_notice_create(
        actor=planner,
        data={"contract": contract.pk, "due_date": "2026-12-31", "lines": _lines(lathe_line, 2)},
    )
    assert notice.number.startswith("SC-") and notice.status == "draft"

    services.production_notice_submit(actor=planner, notice_id=notice.pk)
    approve(notice, salesvp)
    notice.refresh_from_db()
    assert notice.status == "released" and notice.released_at is not None

    services.production_notice_complete(actor=planner, notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == "completed"


@pytest.mark.rule("R10")
def test_only_the_planner_prepares_and_only_the_sales_vp_signs(
    clerk, planner, manager, salesvp, contract, lathe_line
):
    data = {"contract": contract.pk, "due_date": "2026-12-31", "lines": _lines(lathe_line, 1)}
    with pytest.raises(PermissionRefused):
        services.production_notice_create(actor=clerk, data=data)
    notice = services.production_notice_create(actor=planner, data=data)
    services.production_notice_submit(actor=planner, notice_id=notice.pk)

    with pytest.raises(PermissionRefused) as caught:
        approve(notice, manager)
    assert caught.value.code == "not_your_step"
    notice.refresh_from_db()
    assert notice.status == "submitted"


@pytest.mark.rule("R10")
def test_notice_quantities_stay_within_the_contract_over_production(planner, contract, lathe_line):
    """R10: the lines of a notice, with those of the contract's other live notices, stay
    within the contract line (2 lathes); a draft counts only once submitted."""
    data = {"contract": contract.pk, "due_date": "2026-12-31"}
    error = _refused(
        "over_production",
        services.production_notice_create,
        actor=planner,
        data={**data, "lines": _lines(lathe_line, "2.001")},
    )
    assert "lines.0.quantity" in error.errors
    assert not ProductionNotice.objects.exists()

    first = services.production_notice_create(
        actor=planner, data={**data, "lines": _lines(lathe_line, 2)}
    )
    second = services.production_notice_create(
        actor=planner, data={**data, "lines": _lines(lathe_line, 1)}
    )
    services.production_notice_submit(actor=planner, notice_id=first.pk)
    _refused(
        "over_production", services.production_notice_submit, actor=planner, notice_id=second.pk
    )
    second.refresh_from_db()
    assert second.status == "draft" and second.approval_request is None


def test_a_notice_needs_an_active_contract_and_well_formed_lines(
    planner, clerk, approved_order, contract, lathe_line, catalogue
):
    errors = _invalid(
        services.production_notice_create,
        actor=planner,
        data={"contract": 999999, "due_date": "2026-12-31", "lines": _lines(lathe_line, 1)},
    )
    assert "contract" in errors
    errors = _invalid(
        services.production_notice_create,
        actor=planner,
        data={
            "contract": contract.pk,
            "due_date": "31/12/2026",
            "lines": [{"contract_line": 999999, "quantity": "-1"}],
        },
    )
    assert set(errors) == {"due_date", "lines.0.contract_line", "lines.0.quantity"}
    errors = _invalid(
        services.production_notice_create,
        actor=planner,
        data={"contract": contract.pk, "due_date": "2026-12-31", "lines": []},
    )
    assert "lines" in errors

    contract.__class__.objects.filter(pk=contract.pk).update(status="terminated")
    _refused(
        "invalid_transition",
        services.production_notice_create,
        actor=planner,
        data={"contract": contract.pk, "due_date": "2026-12-31", "lines": _lines(lathe_line, 1)},
    )
    assert not ProductionNotice.objects.exists()


def test_completing_needs_a_released_notice(planner, contract, lathe_line):
    notice = services.production_notice_create(
        actor=planner,
        data={"contract": contract.pk, "due_date": "2026-12-31", "lines": _lines(lathe_line, 1)},
    )
    _refused(
        "invalid_transition",
        services.production_notice_complete,
        actor=planner,
        notice_id=notice.pk,
    )


# --- goods receipts (R11) ------------------------------------------------------------------------


def _released(planner, salesvp, contract, line, quantity=2):
    return released_notice(
        planner=planner, salesvp=salesvp, contract=contract, line=line, quantity=quantity
    )


@pytest.mark.rule("R11")
def test_stock_goes_up_only_when_qc_confirms_the_receipt(
    planner, salesvp, producer, qc, contract, lathe_line, warehouse
):
    notice = _released(planner, salesvp, contract, lathe_line)
    receipt = services.goods_receipt_record(
        actor=producer,
        data={
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "2",
            "qc_certificate_no": "QC-2026-0042",
            "production_notice": notice.pk,
        },
    )
    assert receipt.number.startswith("RK-") and receipt.status == "recorded"
    assert not StockLevel.objects.filter(on_hand__gt=0).exists()

    services.goods_receipt_confirm(actor=qc, receipt_id=receipt.pk)

    receipt.refresh_from_db()
    assert receipt.status == "posted" and receipt.confirmed_by == qc
    assert _level(lathe_line.product, warehouse).on_hand == Decimal("2.000")
    assert receipt.stock_move.reference == receipt.number
    _refused("invalid_transition", services.goods_receipt_confirm, actor=qc, receipt_id=receipt.pk)
    assert StockMove.objects.count() == 1


@pytest.mark.rule("R11")
def test_qc_confirmation_is_by_another_person(make_user, contract, lathe_line, warehouse):
    both = make_user("production", "qc", username="prod.and.qc")
    receipt = services.goods_receipt_record(
        actor=both,
        data={
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-1",
        },
    )
    with pytest.raises(PermissionRefused) as caught:
        services.goods_receipt_confirm(actor=both, receipt_id=receipt.pk)
    assert caught.value.code == "self_approval_forbidden"
    receipt.refresh_from_db()
    assert receipt.status == "recorded" and not StockMove.objects.exists()


@pytest.mark.rule("R11", "R25")
def test_a_receipt_names_each_bad_field_and_needs_the_production_role(
    producer, qc, planner, contract, lathe_line, warehouse
):
    with pytest.raises(PermissionRefused):
        services.goods_receipt_record(actor=qc, data={})
    errors = _invalid(
        services.goods_receipt_record,
        actor=producer,
        data={"product": 999999, "warehouse": 999999, "quantity": "0", "qc_certificate_no": " "},
    )
    assert {"product", "warehouse", "quantity", "qc_certificate_no"} <= set(errors)
    draft = services.production_notice_create(
        actor=planner,
        data={"contract": contract.pk, "due_date": "2026-12-31", "lines": _lines(lathe_line, 1)},
    )
    errors = _invalid(
        services.goods_receipt_record,
        actor=producer,
        data={
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-1",
            "production_notice": draft.pk,
        },
    )
    assert "production_notice" in errors
    assert not GoodsReceipt.objects.exists()


@pytest.mark.rule("R10", "R11")
def test_receipts_against_a_notice_stay_within_what_it_orders(
    planner, salesvp, producer, qc, contract, lathe_line, warehouse
):
    """R10: the notice orders 2 lathes; 1 recorded + 1 posted leave nothing; a rejected
    receipt gives its quantity back."""
    notice = _released(planner, salesvp, contract, lathe_line)
    data = {
        "product": lathe_line.product_id,
        "warehouse": warehouse.pk,
        "qc_certificate_no": "QC-8",
        "production_notice": notice.pk,
    }
    posted = services.goods_receipt_record(actor=producer, data={**data, "quantity": "1"})
    services.goods_receipt_confirm(actor=qc, receipt_id=posted.pk)
    waiting = services.goods_receipt_record(actor=producer, data={**data, "quantity": "1"})

    error = _refused(
        "over_production",
        services.goods_receipt_record,
        actor=producer,
        data={**data, "quantity": "0.001"},
    )
    assert "quantity" in error.errors
    assert GoodsReceipt.objects.count() == 2

    services.goods_receipt_reject(actor=qc, receipt_id=waiting.pk, reason="返工 rework")
    services.goods_receipt_record(actor=producer, data={**data, "quantity": "1"})
    assert GoodsReceipt.objects.count() == 3


@pytest.mark.rule("R11")
def test_qc_rejects_a_receipt_with_a_reason_and_nothing_enters_stock(
    producer, qc, lathe_line, warehouse
):
    receipt = services.goods_receipt_record(
        actor=producer,
        data={
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": "1",
            "qc_certificate_no": "QC-9",
        },
    )
    assert "reason" in _invalid(
        services.goods_receipt_reject, actor=qc, receipt_id=receipt.pk, reason=""
    )
    services.goods_receipt_reject(actor=qc, receipt_id=receipt.pk, reason="划痕 scratched")
    receipt.refresh_from_db()
    assert receipt.status == "rejected" and not StockMove.objects.exists()


@pytest.mark.rule("R10", "R11")
def test_progress_counts_posted_receipts_against_the_notice(
    planner, salesvp, producer, qc, contract, lathe_line, warehouse
):
    from inventory.selectors import production_progress

    notice = _released(planner, salesvp, contract, lathe_line)
    for quantity, confirm in (("1", True), ("1", False)):
        receipt = services.goods_receipt_record(
            actor=producer,
            data={
                "product": lathe_line.product_id,
                "warehouse": warehouse.pk,
                "quantity": quantity,
                "qc_certificate_no": "QC-7",
                "production_notice": notice.pk,
            },
        )
        if confirm:
            services.goods_receipt_confirm(actor=qc, receipt_id=receipt.pk)

    (row,) = production_progress([ProductionNotice.objects.get(pk=notice.pk)])[notice.pk]
    assert (row["quantity"], row["received"], row["ratio"]) == (
        Decimal("2.000"),
        Decimal("1.000"),
        Decimal("0.5"),
    )


# --- shipping notices (R12) ----------------------------------------------------------------------


@pytest.mark.rule("R12")
def test_a_notice_is_valid_seven_days_by_default_and_priced_at_the_contract(
    clerk, contract, lathe_line, warehouse
):
    notice = services.shipping_notice_create(
        actor=clerk,
        data={"contract": contract.pk, "warehouse": warehouse.pk, "lines": _lines(lathe_line, 1)},
    )
    assert notice.number.startswith("FH-") and notice.status == "draft"
    assert notice.valid_until == TODAY() + datetime.timedelta(days=7)
    assert notice.gross_amount == Decimal("180800.00")  # half of the line's 361600.00


def test_the_last_notice_of_a_line_takes_what_is_left_of_its_gross(
    clerk, manager, contract, warehouse
):
    service_line = contract.lines.get(product__code="P-3001")  # 1.5 at a gross not ÷ 3
    amounts = []
    for quantity in ("0.5", "0.5", "0.5"):
        notice = approved_notice(
            clerk=clerk,
            manager=manager,
            contract=contract,
            warehouse=warehouse,
            lines=_lines(service_line, quantity),
        )
        amounts.append(notice.gross_amount)
    assert sum(amounts) == service_line.gross


@pytest.mark.rule("R12")
def test_over_shipment_counts_open_notices_but_not_drafts(
    clerk, manager, contract, lathe_line, warehouse
):
    """R12: shipped or on open notices + new ≤ contract line; a draft reserves nothing."""
    data = {"contract": contract.pk, "warehouse": warehouse.pk}
    error = _refused(
        "over_shipment",
        services.shipping_notice_create,
        actor=clerk,
        data={**data, "lines": _lines(lathe_line, 3)},
    )
    assert "lines.0.quantity" in error.errors

    first = services.shipping_notice_create(
        actor=clerk, data={**data, "lines": _lines(lathe_line, 2)}
    )
    second = services.shipping_notice_create(
        actor=clerk, data={**data, "lines": _lines(lathe_line, 1)}
    )  # both drafts: allowed
    services.shipping_notice_submit(actor=clerk, notice_id=first.pk)
    _refused("over_shipment", services.shipping_notice_submit, actor=clerk, notice_id=second.pk)
    _refused(
        "over_shipment",
        services.shipping_notice_create,
        actor=clerk,
        data={**data, "lines": _lines(lathe_line, 1)},
    )
    second.refresh_from_db()
    assert second.status == "draft"
    assert ShippingNotice.objects.count() == 2


@pytest.mark.rule("R23")
def test_a_clerk_prepares_notices_only_for_their_own_customers_contracts(
    make_user, contract, lathe_line, warehouse
):
    other = make_user("sales_clerk", username="clerk.other")
    errors = _invalid(
        services.shipping_notice_create,
        actor=other,
        data={"contract": contract.pk, "warehouse": warehouse.pk, "lines": _lines(lathe_line, 1)},
    )
    assert "contract" in errors


@pytest.mark.rule("R25")
def test_bad_notice_input_names_every_field(clerk, contract, lathe_line):
    errors = _invalid(
        services.shipping_notice_create,
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": 999999,
            "valid_until": (TODAY() - datetime.timedelta(days=1)).isoformat(),
            "lines": [{"contract_line": lathe_line.pk, "quantity": "abc"}],
        },
    )
    assert {"warehouse", "valid_until", "lines.0.quantity"} <= set(errors)
    assert not ShippingNotice.objects.exists()


@pytest.mark.rule("R12")
def test_an_expired_draft_cannot_be_submitted(clerk, contract, lathe_line, warehouse):
    notice = services.shipping_notice_create(
        actor=clerk,
        data={"contract": contract.pk, "warehouse": warehouse.pk, "lines": _lines(lathe_line, 1)},
    )
    ShippingNotice.objects.filter(pk=notice.pk).update(
        valid_until=TODAY() - datetime.timedelta(days=1)
    )
    _refused("notice_expired", services.shipping_notice_submit, actor=clerk, notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == "draft"


def _deliver(*, clerk, manager, keeper, guard, contract, line, warehouse, quantity, signed_at):
    notice = _shipped(clerk, manager, keeper, guard, contract, line, warehouse, quantity)
    services.shipping_notice_confirm_delivery(
        actor=clerk, notice_id=notice.pk, signed_by="王五", signed_at=signed_at
    )
    notice.refresh_from_db()
    return notice


@pytest.mark.rule("R12", "R18")
def test_a_customer_with_an_overdue_amount_gets_no_notice_approved(
    clerk, manager, keeper, guard, contract, lathe_line, warehouse
):
    """R12, R18: delivered 60 days ago with 45 credit days and nothing collected: overdue."""
    old = _deliver(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        line=lathe_line,
        warehouse=warehouse,
        quantity="1",
        signed_at=TODAY() - datetime.timedelta(days=60),
    )
    assert customer_overdue_amount(customer=contract.customer, as_of=TODAY()) == old.gross_amount
    assert customer_credit(customer=Customer.objects.get(pk=contract.customer_id))[
        "overdue_amount"
    ] == Decimal("180800.00")
    # On its due date it is due, not yet overdue; the day after, it is (R18, aging 1–30).
    due_on = TODAY() - datetime.timedelta(days=15)
    assert customer_overdue_amount(customer=contract.customer, as_of=due_on) == Decimal("0.00")
    assert (
        customer_overdue_amount(customer=contract.customer, as_of=due_on + datetime.timedelta(1))
        == old.gross_amount
    )

    notice = services.shipping_notice_create(
        actor=clerk,
        data={"contract": contract.pk, "warehouse": warehouse.pk, "lines": _lines(lathe_line, 1)},
    )
    _refused("customer_overdue", services.shipping_notice_submit, actor=clerk, notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == "draft"

    with transaction.atomic():
        ledger_add_collected(contract_id=contract.pk, amount=old.gross_amount)
    services.shipping_notice_submit(actor=clerk, notice_id=notice.pk)
    assert ShippingNotice.objects.get(pk=notice.pk).status == "submitted"


@pytest.mark.rule("R18")
def test_the_overdue_is_checked_again_when_the_manager_approves(
    clerk, manager, keeper, guard, contract, lathe_line, warehouse
):
    service_line = contract.lines.get(product__code="P-3001")
    notice = services.shipping_notice_create(
        actor=clerk,
        data={"contract": contract.pk, "warehouse": warehouse.pk, "lines": _lines(lathe_line, 1)},
    )
    services.shipping_notice_submit(actor=clerk, notice_id=notice.pk)
    # Meanwhile an old delivery is recorded (late paperwork): the customer is now overdue.
    _deliver(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        line=service_line,
        warehouse=warehouse,
        quantity="1.5",
        signed_at=TODAY() - datetime.timedelta(days=90),
    )
    decisions = Decision.objects.count()

    with pytest.raises(RuleViolation) as caught:
        approve(notice, manager)

    assert caught.value.code == "customer_overdue"
    notice.refresh_from_db()
    assert notice.status == "submitted" and Decision.objects.count() == decisions
    assert notice.approval_request.status == RequestStatus.PENDING


@pytest.mark.rule("R12")
def test_approval_reserves_the_stock_and_cancelling_gives_it_back(
    clerk, manager, keeper, contract, lathe_line, warehouse
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="5")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=_lines(lathe_line, 2),
    )
    level = _level(lathe_line.product, warehouse)
    assert (level.on_hand, level.reserved, level.available) == (5, 2, 3)

    services.shipping_notice_cancel(actor=clerk, notice_id=notice.pk)

    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (5, 0)
    assert ShippingNotice.objects.get(pk=notice.pk).status == "cancelled"


# --- outbound and gate (R13) ---------------------------------------------------------------------


@pytest.mark.rule("R13")
def test_issue_takes_the_stock_out_issues_a_gate_pass_and_counts_as_shipped(
    clerk, manager, keeper, guard, contract, lathe_line, warehouse
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="3")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=_lines(lathe_line, 2),
    )

    services.shipping_notice_issue(actor=keeper, notice_id=notice.pk)

    notice.refresh_from_db()
    assert notice.status == "issued" and notice.gate_pass_no.startswith("CM-")
    level = _level(lathe_line.product, warehouse)
    assert (level.on_hand, level.reserved) == (1, 0)
    assert _ledger(contract).shipped == Decimal("361600.00")
    assert _ledger(contract).delivered == Decimal("0.00")  # R14: not revenue yet

    with pytest.raises(PermissionRefused):
        services.gate_exit(actor=keeper, gate_pass_no=notice.gate_pass_no)
    services.gate_exit(actor=guard, gate_pass_no=f" {notice.gate_pass_no.lower()} ")
    notice.refresh_from_db()
    assert notice.status == "shipped" and notice.exited_by == guard


@pytest.mark.rule("R13")
def test_issue_is_refused_without_enough_stock_and_nothing_moves(
    clerk, manager, keeper, contract, lathe_line, warehouse
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=_lines(lathe_line, 2),
    )
    moves = StockMove.objects.count()

    _refused(
        "insufficient_stock", services.shipping_notice_issue, actor=keeper, notice_id=notice.pk
    )

    notice.refresh_from_db()
    assert notice.status == "approved" and notice.gate_pass_no is None
    level = _level(lathe_line.product, warehouse)
    assert (level.on_hand, level.reserved) == (1, 2)
    assert StockMove.objects.count() == moves and _ledger(contract).shipped == 0


@pytest.mark.rule("R13")
def test_stock_is_served_in_approval_order(clerk, manager, keeper, contract, lathe_line, warehouse):
    """R13 with reservations honoured: one lathe on hand, two approved notices for one each;
    the later one cannot take the unit the earlier one holds, whatever the picking order."""
    from inventory.selectors import picking_list

    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    first, second = (
        approved_notice(
            clerk=clerk,
            manager=manager,
            contract=contract,
            warehouse=warehouse,
            lines=_lines(lathe_line, 1),
        )
        for _ in range(2)
    )
    rows = {row["notice"].pk: row for row in picking_list()}
    assert (rows[first.pk]["can_issue"], rows[second.pk]["can_issue"]) == (True, False)
    assert (rows[second.pk]["lines"][0]["ahead"], rows[second.pk]["lines"][0]["for_notice"]) == (
        Decimal("1.000"),
        Decimal("0"),
    )

    _refused(
        "insufficient_stock", services.shipping_notice_issue, actor=keeper, notice_id=second.pk
    )
    assert _level(lathe_line.product, warehouse).on_hand == 1

    services.shipping_notice_issue(actor=keeper, notice_id=first.pk)
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    services.shipping_notice_issue(actor=keeper, notice_id=second.pk)
    level = _level(lathe_line.product, warehouse)
    assert (level.on_hand, level.reserved) == (0, 0)


@pytest.mark.rule("R12", "R13")
def test_an_expired_notice_is_not_issued(clerk, manager, keeper, contract, lathe_line, warehouse):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="2")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=_lines(lathe_line, 2),
    )
    ShippingNotice.objects.filter(pk=notice.pk).update(
        valid_until=TODAY() - datetime.timedelta(days=1)
    )

    _refused("notice_expired", services.shipping_notice_issue, actor=keeper, notice_id=notice.pk)
    assert _level(lathe_line.product, warehouse).on_hand == 2


@pytest.mark.rule("R13")
def test_only_the_warehouse_issues_and_only_approved_notices(
    clerk, manager, keeper, contract, lathe_line, warehouse
):
    notice = services.shipping_notice_create(
        actor=clerk,
        data={"contract": contract.pk, "warehouse": warehouse.pk, "lines": _lines(lathe_line, 1)},
    )
    with pytest.raises(PermissionRefused):
        services.shipping_notice_issue(actor=clerk, notice_id=notice.pk)
    _refused(
        "invalid_transition", services.shipping_notice_issue, actor=keeper, notice_id=notice.pk
    )


@pytest.mark.rule("R13")
def test_the_gate_checks_the_pass_number(
    clerk, manager, keeper, guard, contract, lathe_line, warehouse
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=_lines(lathe_line, 1),
    )
    _refused("invalid_transition", services.shipping_notice_exit, actor=guard, notice_id=notice.pk)
    notice = services.shipping_notice_issue(actor=keeper, notice_id=notice.pk)

    errors = _invalid(
        services.shipping_notice_exit, actor=guard, notice_id=notice.pk, gate_pass_no="CM-1999-1"
    )
    assert "gate_pass_no" in errors
    assert "gate_pass_no" in _invalid(services.gate_exit, actor=guard, gate_pass_no="NOPE")
    assert "gate_pass_no" in _invalid(services.gate_exit, actor=guard, gate_pass_no="")
    assert ShippingNotice.objects.get(pk=notice.pk).status == "issued"

    services.gate_exit(actor=guard, gate_pass_no=notice.gate_pass_no)
    _refused(
        "invalid_transition", services.gate_exit, actor=guard, gate_pass_no=notice.gate_pass_no
    )


# --- signed delivery (R14) -----------------------------------------------------------------------


def _shipped(clerk, manager, keeper, guard, contract, line, warehouse, quantity="1"):
    return shipped_notice(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        warehouse=warehouse,
        line=line,
        quantity=quantity,
    )


@pytest.mark.rule("R14")
def test_the_signed_copy_makes_the_delivery_revenue_and_due(
    clerk, manager, keeper, guard, contract, lathe_line, warehouse
):
    notice = _shipped(clerk, manager, keeper, guard, contract, lathe_line, warehouse)
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    delivery_confirmed.connect(receiver)
    try:
        signed = TODAY() - datetime.timedelta(days=3)
        services.shipping_notice_confirm_delivery(
            actor=clerk,
            notice_id=notice.pk,
            signed_by="李四",
            signed_at=signed.isoformat(),
            scan=SimpleUploadedFile("signed.png", PNG, content_type="image/png"),
        )
    finally:
        delivery_confirmed.disconnect(receiver)

    notice.refresh_from_db()
    assert notice.status == "delivered" and notice.signed_at == signed
    assert notice.signed_scan.name.endswith(".png")
    assert _ledger(contract).delivered == Decimal("180800.00")
    due = ContractDue.objects.get(contract=contract)
    assert due.due_on == signed + datetime.timedelta(days=45) and due.reference == notice.number
    assert len(received) == 1
    event = received[0]
    assert event["notice"].pk == notice.pk and event["delivered_on"] == signed
    # Finance posts revenue (net) and output VAT (tax) apart: 1 of 2 lathes at 160000 + 13 %.
    assert (event["net"], event["tax"], event["amount"]) == (
        Decimal("160000.00"),
        Decimal("20800.00"),
        Decimal("180800.00"),
    )
    assert event["lines"] == [
        {
            "contract_line": lathe_line.pk,
            "product": lathe_line.product_id,
            "quantity": Decimal("1.000"),
            "net": Decimal("160000.00"),
            "tax": Decimal("20800.00"),
            "gross": Decimal("180800.00"),
        }
    ]


@pytest.mark.rule("R14")
def test_a_delivery_receiver_that_fails_rolls_the_delivery_back(
    settings, tmp_path, clerk, manager, keeper, guard, contract, lathe_line, warehouse
):
    settings.MEDIA_ROOT = tmp_path
    notice = _shipped(clerk, manager, keeper, guard, contract, lathe_line, warehouse)

    def broken(sender, **kwargs):
        raise RuntimeError("journal down")

    delivery_confirmed.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            services.shipping_notice_confirm_delivery(
                actor=clerk,
                notice_id=notice.pk,
                signed_by="李四",
                signed_at=TODAY(),
                scan=SimpleUploadedFile("signed.png", PNG, content_type="image/png"),
            )
    finally:
        delivery_confirmed.disconnect(broken)
    assert ShippingNotice.objects.get(pk=notice.pk).status == "shipped"
    assert _ledger(contract).delivered == 0 and not ContractDue.objects.exists()
    # …and the scan stored on the way is gone too.
    assert list(settings.MEDIA_ROOT.glob(f"delivery-scans/{notice.number}*")) == []


@pytest.mark.rule("R14", "R23")
def test_scans_are_not_public_media(client, settings, tmp_path):
    """Signed copies are served only through the notice's scan page (R23), never /media/."""
    import importlib

    from django.urls import clear_url_caches

    import config.urls

    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True  # the URLconf used to add MEDIA_ROOT under DEBUG: build it again
    (settings.MEDIA_ROOT / "delivery-scans").mkdir(parents=True, exist_ok=True)
    leaked = settings.MEDIA_ROOT / "delivery-scans" / "FH-2026-99999.png"
    leaked.write_bytes(PNG)
    try:
        importlib.reload(config.urls)
        clear_url_caches()
        assert client.get("/media/delivery-scans/FH-2026-99999.png").status_code == 404
    finally:
        leaked.unlink()
        importlib.reload(config.urls)
        clear_url_caches()


@pytest.mark.rule("R14", "R20")
def test_a_signing_date_in_the_future_or_a_closed_period_is_refused(
    clerk, manager, keeper, guard, contract, lathe_line, warehouse
):
    notice = _shipped(clerk, manager, keeper, guard, contract, lathe_line, warehouse)
    errors = _invalid(
        services.shipping_notice_confirm_delivery,
        actor=clerk,
        notice_id=notice.pk,
        signed_by="",
        signed_at=TODAY() + datetime.timedelta(days=1),
    )
    assert {"signed_by", "signed_at"} <= set(errors)

    long_ago = datetime.date(2025, 3, 15)  # any past date is fine (late paperwork) …
    ClosedPeriod.objects.create(period="2025-03")  # … unless its month is closed (R20)
    error = _refused(
        "period_closed",
        services.shipping_notice_confirm_delivery,
        actor=clerk,
        notice_id=notice.pk,
        signed_by="李四",
        signed_at=long_ago,
    )
    assert "signed_at" in error.errors
    assert ShippingNotice.objects.get(pk=notice.pk).status == "shipped"

    services.shipping_notice_confirm_delivery(
        actor=clerk, notice_id=notice.pk, signed_by="李四", signed_at=datetime.date(2025, 4, 1)
    )
    assert ShippingNotice.objects.get(pk=notice.pk).status == "delivered"


@pytest.mark.rule("R4", "R14")
@pytest.mark.parametrize(
    ("name", "content", "size_limit"),
    [
        ("virus.exe", b"MZ\x90\x00", None),
        ("fake.png", b"GIF89a" + b"\x00" * 20, None),
        ("fake.pdf", PNG, None),
        ("big.png", PNG, 32),
        ("empty.pdf", b"", None),
    ],
)
def test_a_scan_must_be_a_real_pdf_jpeg_or_png_within_the_limit(
    settings,
    clerk,
    manager,
    keeper,
    guard,
    contract,
    lathe_line,
    warehouse,
    name,
    content,
    size_limit,
):
    if size_limit:
        settings.DELIVERY_SCAN_MAX_BYTES = size_limit
    notice = _shipped(clerk, manager, keeper, guard, contract, lathe_line, warehouse)
    errors = _invalid(
        services.shipping_notice_confirm_delivery,
        actor=clerk,
        notice_id=notice.pk,
        signed_by="李四",
        signed_at=TODAY(),
        scan=SimpleUploadedFile(name, content),
    )
    assert "scan" in errors
    notice.refresh_from_db()
    assert notice.status == "shipped" and not notice.signed_scan


@pytest.mark.rule("R14")
def test_delivery_is_confirmed_once_and_only_after_the_exit(
    clerk, manager, keeper, guard, contract, lathe_line, warehouse
):
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    notice = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=_lines(lathe_line, 1),
    )
    services.shipping_notice_issue(actor=keeper, notice_id=notice.pk)
    _refused(
        "invalid_transition",
        services.shipping_notice_confirm_delivery,
        actor=clerk,
        notice_id=notice.pk,
        signed_by="李四",
        signed_at=TODAY(),
    )
    assert _ledger(contract).delivered == 0


# --- expiry (R12, the daily job's service) -------------------------------------------------------


@pytest.mark.rule("R12", "R25")
def test_stale_notices_expire_and_a_second_run_changes_nothing(
    clerk, manager, keeper, contract, lathe_line, warehouse
):
    service_line = contract.lines.get(product__code="P-3001")
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="5")
    approved = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=_lines(lathe_line, 1),
    )
    submitted = services.shipping_notice_create(
        actor=clerk,
        data={"contract": contract.pk, "warehouse": warehouse.pk, "lines": _lines(service_line, 1)},
    )
    services.shipping_notice_submit(actor=clerk, notice_id=submitted.pk)
    fresh = approved_notice(
        clerk=clerk,
        manager=manager,
        contract=contract,
        warehouse=warehouse,
        lines=_lines(lathe_line, 1),
    )
    yesterday = TODAY() - datetime.timedelta(days=1)
    ShippingNotice.objects.filter(pk__in=[approved.pk, submitted.pk]).update(valid_until=yesterday)
    assert _level(lathe_line.product, warehouse).reserved == 2

    assert services.shipping_notices_expire(as_of=TODAY()) == {"expired": 2, "failed": 0}
    assert services.shipping_notices_expire(as_of=TODAY()) == {"expired": 0, "failed": 0}

    statuses = dict(ShippingNotice.objects.values_list("pk", "status"))
    assert statuses == {approved.pk: "expired", submitted.pk: "expired", fresh.pk: "approved"}
    assert _level(lathe_line.product, warehouse).reserved == 1
    request = ApprovalRequest.objects.filter(
        document_id=submitted.pk, document_type="shipping_notice"
    ).get()
    # Closed without a decision in anyone's name (R21 keeps only people's decisions), and
    # gone from the sales manager's inbox.
    assert request.status == RequestStatus.WITHDRAWN and not request.decisions.exists()
    assert not request.steps.filter(status="open").exists()
    # An expired notice no longer counts against the contract (R12): 1 lathe can go again.
    services.shipping_notice_create(
        actor=clerk,
        data={"contract": contract.pk, "warehouse": warehouse.pk, "lines": _lines(lathe_line, 1)},
    )


# --- service dispatch (R15) ----------------------------------------------------------------------


@pytest.mark.rule("R15")
def test_service_waits_for_the_first_payment(clerk, manager, contract):
    """R15: first payment = 368490.00 × 0.4 = 147396.00."""
    dispatch = services.service_dispatch_create(
        actor=clerk,
        data={"contract": contract.pk, "scheduled_on": "2026-12-10", "description": "安装调试"},
    )
    assert dispatch.number.startswith("PG-")
    error = _refused(
        "first_payment_required",
        services.service_dispatch_submit,
        actor=clerk,
        dispatch_id=dispatch.pk,
    )
    assert "contract" in error.errors
    assert ServiceDispatch.objects.get(pk=dispatch.pk).status == "draft"

    with transaction.atomic():
        ledger_add_collected(contract_id=contract.pk, amount=Decimal("147395.99"))
    _refused(
        "first_payment_required",
        services.service_dispatch_submit,
        actor=clerk,
        dispatch_id=dispatch.pk,
    )
    with transaction.atomic():
        ledger_add_collected(contract_id=contract.pk, amount=Decimal("0.01"))
    services.service_dispatch_submit(actor=clerk, dispatch_id=dispatch.pk)
    approve(dispatch, manager)
    dispatch.refresh_from_db()
    assert dispatch.status == "approved"

    assert "acceptance_report_no" in _invalid(
        services.service_dispatch_complete,
        actor=clerk,
        dispatch_id=dispatch.pk,
        acceptance_report_no=" ",
    )
    services.service_dispatch_complete(
        actor=clerk, dispatch_id=dispatch.pk, acceptance_report_no="YS-2026-001"
    )
    dispatch.refresh_from_db()
    assert (dispatch.status, dispatch.acceptance_report_no) == ("completed", "YS-2026-001")


@pytest.mark.rule("R15")
def test_the_first_payment_is_checked_again_at_approval(clerk, manager, contract):
    dispatch = services.service_dispatch_create(
        actor=clerk,
        data={"contract": contract.pk, "scheduled_on": "2026-12-10", "description": "安装"},
    )
    with transaction.atomic():
        ledger_add_collected(contract_id=contract.pk, amount=Decimal("147396.00"))
    services.service_dispatch_submit(actor=clerk, dispatch_id=dispatch.pk)
    with transaction.atomic():  # the receipt is reversed before the manager decides
        ledger_add_collected(contract_id=contract.pk, amount=Decimal("-100.00"))

    with pytest.raises(RuleViolation) as caught:
        approve(dispatch, manager)

    assert caught.value.code == "first_payment_required"
    assert ServiceDispatch.objects.get(pk=dispatch.pk).status == "submitted"


@pytest.mark.rule("R15", "R25")
def test_a_dispatch_names_bad_fields_and_completes_only_when_approved(clerk, contract):
    errors = _invalid(
        services.service_dispatch_create,
        actor=clerk,
        data={"contract": contract.pk, "scheduled_on": "soon", "description": ""},
    )
    assert {"scheduled_on", "description"} <= set(errors)
    dispatch = services.service_dispatch_create(
        actor=clerk,
        data={"contract": contract.pk, "scheduled_on": "2026-12-10", "description": "巡检"},
    )
    _refused(
        "invalid_transition",
        services.service_dispatch_complete,
        actor=clerk,
        dispatch_id=dispatch.pk,
        acceptance_report_no="YS-1",
    )


@pytest.mark.rule("R4", "R14", "R18")
def test_a_real_overdue_delivery_holds_the_next_order_and_blocks_the_customer_overnight(
    clerk, manager, keeper, guard, contract, lathe_line, warehouse, catalogue
):
    """R4, R18 with no stand-in: the overdue amount comes from the signed delivery."""
    from sales.services.credit_review import customers_credit_reevaluate
    from sales.services.orders import order_create, order_submit

    _deliver(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        line=lathe_line,
        warehouse=warehouse,
        quantity="1",
        signed_at=TODAY() - datetime.timedelta(days=46),
    )
    order = order_create(
        actor=clerk,
        customer_id=contract.customer_id,
        lines=[{"product": catalogue["service"].pk, "quantity": "1", "unit_price": "4500.00"}],
    )
    order_submit(actor=clerk, order_id=order.pk)
    order.refresh_from_db()
    assert order.credit_status == "hold"

    result = customers_credit_reevaluate(as_of=TODAY())
    assert result["blocked"] == [contract.customer_id]
    assert Customer.objects.get(pk=contract.customer_id).blocked is True


@pytest.mark.rule("R25")
def test_a_stock_beyond_what_the_database_holds_is_refused_naming_quantity(
    producer, qc, keeper, lathe_line, warehouse
):
    """A receipt that would take the stock past what every database keeps (MAX_QUANTITY,
    15 digits: SQLite's floats) is a 400 naming `quantity`, not a crash; the receipt stays
    recorded (QC may reject it). A receipt itself beyond it is refused when recorded (see
    test_a_goods_receipt_beyond_what_the_database_holds_is_a_400_and_the_list_still_reads)."""
    put_stock(actor=keeper, product=lathe_line.product, warehouse=warehouse, quantity="1")
    receipt = services.goods_receipt_record(
        actor=producer,
        data={
            "product": lathe_line.product_id,
            "warehouse": warehouse.pk,
            "quantity": str(MAX_QUANTITY),
            "qc_certificate_no": "QC-BIG",
        },
    )
    assert "quantity" in _invalid(services.goods_receipt_confirm, actor=qc, receipt_id=receipt.pk)
    assert GoodsReceipt.objects.get(pk=receipt.pk).status == "recorded"
    assert _level(lathe_line.product, warehouse).on_hand == 1


@pytest.mark.rule("R25")
def test_a_quantity_beyond_what_the_database_holds_is_refused_by_the_services_naming_it(
    producer, clerk, contract, lathe_line, warehouse
):
    """The services themselves (whatever calls them: a page, the API, a task, the admin) refuse
    a quantity past MAX_QUANTITY before writing anything: a receipt names `quantity`, a notice
    line `lines.N.quantity`."""
    too_large = str(MAX_QUANTITY + Decimal("0.001"))
    receipt = {
        "product": lathe_line.product_id,
        "warehouse": warehouse.pk,
        "quantity": too_large,
        "qc_certificate_no": "QC-BIG",
    }
    assert "quantity" in _invalid(services.goods_receipt_record, actor=producer, data=receipt)
    notice = {
        "contract": contract.pk,
        "warehouse": warehouse.pk,
        "lines": [{"contract_line": lathe_line.pk, "quantity": too_large}],
    }
    errors = _invalid(services.shipping_notice_create, actor=clerk, data=notice)
    assert list(errors) == ["lines.0.quantity"]
    assert not GoodsReceipt.objects.exists() and not ShippingNotice.objects.exists()


@pytest.mark.rule("R12", "R25")
def test_save_and_submit_is_one_transaction_a_refused_submit_leaves_no_draft_behind(
    clerk, manager, keeper, guard, contract, lathe_line, warehouse
):
    """R12, R25: `shipping_notice_save_and_submit` creates (or updates) the draft and submits it
    in one durable transaction: the submit's refusal (`customer_overdue`, checked only there)
    takes the new draft with it, and an edited draft keeps its saved lines."""
    _deliver(
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
        contract=contract,
        line=lathe_line,
        warehouse=warehouse,
        quantity="1",
        signed_at=TODAY() - datetime.timedelta(days=60),
    )
    before = ShippingNotice.objects.count()
    data = {"contract": contract.pk, "warehouse": warehouse.pk, "lines": _lines(lathe_line, 1)}

    _refused("customer_overdue", services.shipping_notice_save_and_submit, actor=clerk, data=data)
    assert ShippingNotice.objects.count() == before

    draft = services.shipping_notice_create(actor=clerk, data=data)
    _refused(
        "customer_overdue",
        services.shipping_notice_save_and_submit,
        actor=clerk,
        notice_id=draft.pk,
        data={"lines": _lines(lathe_line, "0.5")},
    )
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert [line.quantity for line in draft.lines.all()] == [Decimal("1.000")]


# The services that pages, the API, the admin and tasks call: each is one durable transaction.
# Not here: the approval engine's hooks (`*_approved`, `production_notice_released`), which run
# in the engine's transaction, `stock_move_post`, which joins its caller's, and the daily expiry,
# which opens a durable transaction per notice.
ENTRY_POINTS = [
    "warehouse_create",
    "warehouse_update",
    "stock_adjust",
    "production_notice_create",
    "production_notice_update",
    "production_notice_submit",
    "production_notice_complete",
    "production_notice_cancel",
    "goods_receipt_record",
    "goods_receipt_confirm",
    "goods_receipt_reject",
    "shipping_notice_create",
    "shipping_notice_update",
    "shipping_notice_submit",
    "shipping_notice_save_and_submit",
    "shipping_notice_cancel",
    "shipping_notice_issue",
    "shipping_notice_exit",
    "gate_exit",
    "shipping_notice_confirm_delivery",
    "service_dispatch_create",
    "service_dispatch_update",
    "service_dispatch_submit",
    "service_dispatch_complete",
    "service_dispatch_cancel",
]


@pytest.mark.parametrize("name", ENTRY_POINTS)
def test_an_entry_point_service_refuses_to_run_inside_another_transaction(name):
    """`transaction.atomic(durable=True)`: nobody nests a business action in a larger
    transaction by accident (a view, a command, another service)."""
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        getattr(services, name)(actor=None)
