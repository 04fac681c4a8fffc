"""Contracts at the service layer: drafting from an approved order (R8, R9, R23), terms only
in draft, co-sign by the head of sales and finance in either order, gapless numbering, and
the contract ledger's counters."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from approvals.models import RequestStatus
from approvals.services import approval_decide, approval_withdraw_document
from contracts import services
from contracts.models import Contract, ContractLedger, ContractLine
from contracts.selectors import ledger_figures
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.money import MAX_AMOUNT
from sales.models import Order
from tests.contracts.conftest import make_order
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db


def _nothing_written(order: Order, status: str) -> None:
    assert not Contract.objects.exists()
    assert not ContractLine.objects.exists()
    assert not ContractLedger.objects.exists()
    order.refresh_from_db()
    assert order.status == status


def _submitted(clerk, order) -> Contract:
    contract = services.contract_draft(actor=clerk, order_id=order.pk)
    return services.contract_submit(actor=clerk, contract_id=contract.pk)


def _cosign(contract, *signers) -> Contract:
    request_id = contract.approval_request.pk
    for signer in signers:
        approval_decide(actor=signer, request_id=request_id, approve=True)
    contract.refresh_from_db()
    return contract


# -- drafting (R8, R9) -------------------------------------------------------------------------


@pytest.mark.rule("R8", "R9")
def test_a_contract_copies_the_approved_orders_lines_amounts_and_terms(
    clerk, customer, approved_order
):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)

    assert contract.status == "draft"
    assert contract.number is None
    assert (contract.customer_id, contract.salesperson_id) == (customer.pk, clerk.pk)
    assert (contract.net_amount, contract.tax_amount, contract.gross_amount) == (
        approved_order.net_amount,
        approved_order.tax_amount,
        approved_order.gross_amount,
    )
    assert [
        (
            line.product_id,
            line.quantity,
            line.unit_price,
            line.tax_rate,
            line.net,
            line.tax,
            line.gross,
        )
        for line in contract.lines.all()
    ] == [
        (
            line.product_id,
            line.quantity,
            line.unit_price,
            line.tax_rate,
            line.net,
            line.tax,
            line.gross,
        )
        for line in approved_order.lines.all()
    ]
    assert contract.first_payment_ratio == Decimal("0.4000")  # the order's
    assert contract.credit_days == 45  # the customer's at drafting
    assert contract.interest_rate_daily == Decimal("0.0005")
    assert contract.invoice_threshold == Decimal("0.6000")
    assert contract.commission_rate == Decimal("0.0250")  # the order's price list
    approved_order.refresh_from_db()
    assert approved_order.status == "contracted"
    # R3: a contracted order stays in the customer's exposure
    customer.refresh_from_db()
    assert customer.exposure == approved_order.gross_amount == approved_order.exposure_amount
    assert ContractLedger.objects.get(contract=contract).contracted == Decimal("0.00")
    assert contract.history.count() == 1


@pytest.mark.rule("R25")
def test_an_order_that_is_not_approved_is_refused_and_nothing_is_written(
    clerk, customer, catalogue
):
    order = make_order(clerk=clerk, customer=customer, catalogue=catalogue, approve=False)

    with pytest.raises(RuleViolation) as refused:
        services.contract_draft(actor=clerk, order_id=order.pk)

    assert refused.value.code == "invalid_transition"
    _nothing_written(order, "draft")


@pytest.mark.rule("R8")
def test_a_second_contract_for_the_same_order_is_refused(clerk, approved_order):
    first = services.contract_draft(actor=clerk, order_id=approved_order.pk)

    with pytest.raises(RuleViolation) as refused:
        services.contract_draft(actor=clerk, order_id=approved_order.pk)

    assert refused.value.code == "invalid_transition"
    assert list(Contract.objects.values_list("pk", flat=True)) == [first.pk]
    assert ContractLine.objects.filter(contract=first).count() == 2


def test_the_database_refuses_two_contracts_for_one_order(clerk, approved_order):
    first = services.contract_draft(actor=clerk, order_id=approved_order.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.create(
            order=approved_order,
            customer=first.customer,
            salesperson=clerk,
            created_by=clerk,
            net_amount=0,
            tax_amount=0,
            gross_amount=0,
        )


@pytest.mark.rule("R23")
def test_a_clerk_cannot_draft_from_another_clerks_order(approved_order, make_user):
    other = make_user("sales_clerk")

    with pytest.raises(InvalidInput) as refused:
        services.contract_draft(actor=other, order_id=approved_order.pk)

    assert "order" in refused.value.errors
    _nothing_written(approved_order, "approved")


def test_only_a_sales_clerk_drafts(approved_order, head):
    with pytest.raises(PermissionRefused):
        services.contract_draft(actor=head, order_id=approved_order.pk)

    _nothing_written(approved_order, "approved")


@pytest.mark.rule("R9")
def test_terms_change_in_draft(clerk, approved_order):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)

    services.contract_update_terms(
        actor=clerk,
        contract_id=contract.pk,
        terms={"first_payment_ratio": Decimal("0.5000"), "credit_days": 60},
    )

    contract.refresh_from_db()
    assert (contract.first_payment_ratio, contract.credit_days) == (Decimal("0.5000"), 60)
    assert contract.history.count() == 2


@pytest.mark.rule("R9")
def test_bad_terms_name_the_field_and_change_nothing(clerk, approved_order):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)

    with pytest.raises(InvalidInput) as refused:
        services.contract_update_terms(
            actor=clerk, contract_id=contract.pk, terms={"invoice_threshold": Decimal("1.5")}
        )
    with pytest.raises(InvalidInput) as unknown:
        services.contract_update_terms(
            actor=clerk, contract_id=contract.pk, terms={"gross_amount": Decimal("1")}
        )

    assert "invoice_threshold" in refused.value.errors
    assert "gross_amount" in unknown.value.errors
    contract.refresh_from_db()
    assert contract.invoice_threshold == Decimal("0.6000")
    assert contract.history.count() == 1


@pytest.mark.rule("R9")
def test_terms_cannot_change_after_submit(clerk, approved_order):
    contract = _submitted(clerk, approved_order)

    with pytest.raises(RuleViolation) as refused:
        services.contract_update_terms(
            actor=clerk, contract_id=contract.pk, terms={"credit_days": 90}
        )

    assert refused.value.code == "invalid_transition"
    contract.refresh_from_db()
    assert contract.credit_days == 45
    assert contract.status == "pending_signoff"


@pytest.mark.rule("R23")
def test_another_clerk_does_not_see_the_contract(clerk, approved_order, make_user):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)
    other = make_user("sales_clerk")

    with pytest.raises(NotVisible):
        services.contract_update_terms(
            actor=other, contract_id=contract.pk, terms={"credit_days": 1}
        )
    with pytest.raises(NotVisible):
        services.contract_submit(actor=other, contract_id=contract.pk)

    contract.refresh_from_db()
    assert (contract.status, contract.credit_days) == ("draft", 45)


# -- co-sign (R8, R21) -------------------------------------------------------------------------


@pytest.mark.rule("R8")
def test_submit_opens_the_co_sign_of_the_head_of_sales_and_finance(clerk, approved_order):
    contract = _submitted(clerk, approved_order)

    request = contract.approval_request
    assert contract.status == "pending_signoff"
    assert sorted((s.sequence, s.role, s.status) for s in request.steps.all()) == [
        (1, "finance", "open"),
        (1, "sales_head", "open"),
    ]
    assert request.amount == contract.gross_amount
    assert request.customer_id == contract.customer_id


@pytest.mark.rule("R8")
@pytest.mark.parametrize("order_of_signing", ["head_first", "finance_first"])
def test_co_signers_sign_in_either_order_and_both_are_required(
    clerk, approved_order, head, finance, order_of_signing
):
    contract = _submitted(clerk, approved_order)
    signers = [head, finance] if order_of_signing == "head_first" else [finance, head]

    _cosign(contract, signers[0])
    assert (contract.status, contract.number) == ("pending_signoff", None)
    assert ContractLedger.objects.get(contract=contract).contracted == Decimal("0.00")

    _cosign(contract, signers[1])
    year = timezone.localdate().year
    assert contract.status == "active"
    assert contract.number == f"HT-{year}-00001"
    assert contract.signed_on == timezone.localdate()
    assert contract.approval_request.status == RequestStatus.APPROVED
    assert contract.approval_request.document_number == contract.number
    assert ContractLedger.objects.get(contract=contract).contracted == contract.gross_amount


@pytest.mark.rule("R4", "R8")
def test_one_person_holding_both_roles_cannot_sign_twice(clerk, approved_order, make_user):
    both = make_user("sales_head", "finance")
    contract = _submitted(clerk, approved_order)

    _cosign(contract, both)
    with pytest.raises(PermissionRefused) as refused:
        _cosign(contract, both)

    assert refused.value.code == "duplicate_approver"
    assert contract.status == "pending_signoff"


@pytest.mark.rule("R21")
def test_rejection_returns_the_contract_to_draft_with_the_comment(
    clerk, approved_order, head, finance
):
    contract = _submitted(clerk, approved_order)
    _cosign(contract, head)

    approval_decide(
        actor=finance,
        request_id=contract.approval_request.pk,
        approve=False,
        comment="付款条件不妥",
    )

    contract.refresh_from_db()
    assert (contract.status, contract.number) == ("draft", None)
    assert contract.approval_request.decisions.get(decision="rejected").comment == "付款条件不妥"
    # back in draft, the terms change again and it can be resubmitted
    services.contract_update_terms(actor=clerk, contract_id=contract.pk, terms={"credit_days": 30})
    services.contract_submit(actor=clerk, contract_id=contract.pk)
    contract.refresh_from_db()
    assert contract.status == "pending_signoff"


@pytest.mark.rule("R21")
def test_withdraw_returns_the_contract_to_draft(clerk, approved_order):
    contract = _submitted(clerk, approved_order)

    approval_withdraw_document(actor=clerk, document=contract)

    contract.refresh_from_db()
    assert contract.status == "draft"


@pytest.mark.rule("R21")
def test_the_author_withdraws_a_contract_through_its_service_and_others_may_not(
    clerk, approved_order, head
):
    contract = _submitted(clerk, approved_order)

    with pytest.raises(PermissionRefused):
        services.contract_withdraw(actor=head, contract_id=contract.pk)
    withdrawn = services.contract_withdraw(actor=clerk, contract_id=contract.pk, comment="改条款")

    assert withdrawn.status == "draft"
    assert withdrawn.approval_request.status == RequestStatus.WITHDRAWN
    assert withdrawn.approval_request.decisions.get().comment == "改条款"


@pytest.mark.rule("R8", "R21")
def test_activation_is_reachable_only_through_the_engine(clerk, approved_order):
    contract = _submitted(clerk, approved_order)

    with pytest.raises(TransitionNotAllowed):
        contract.activate()


def test_status_cannot_be_assigned_directly(clerk, approved_order):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)

    with pytest.raises(AttributeError):
        contract.status = "active"


# -- numbering (R8) ----------------------------------------------------------------------------


@pytest.mark.rule("R8")
def test_numbers_follow_the_order_of_activation_not_of_drafting(
    clerk, customer, catalogue, manager, gm, head, finance
):
    orders = [
        make_order(clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm)
        for _ in range(3)
    ]
    contracts = [_submitted(clerk, order) for order in orders]

    for contract in reversed(contracts):
        _cosign(contract, head, finance)

    year = timezone.localdate().year
    assert [c.number for c in reversed(contracts)] == [
        f"HT-{year}-00001",
        f"HT-{year}-00002",
        f"HT-{year}-00003",
    ]


def test_a_draft_has_no_number_and_an_active_contract_must_have_one(clerk, approved_order):
    contract = services.contract_draft(actor=clerk, order_id=approved_order.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(number="HT-2000-00001")


# -- the ledger --------------------------------------------------------------------------------


def _active(clerk, order, head, finance) -> Contract:
    return _cosign(_submitted(clerk, order), head, finance)


def test_the_ledger_of_a_new_active_contract(clerk, approved_order, head, finance):
    contract = _active(clerk, approved_order, head, finance)

    figures = ledger_figures(contract=Contract.objects.select_related("ledger").get(pk=contract.pk))

    gross = contract.gross_amount
    assert figures == {
        "contracted": gross,
        "shipped": Decimal("0.00"),
        "delivered": Decimal("0.00"),
        "invoiced": Decimal("0.00"),
        "collected": Decimal("0.00"),
        "outstanding": gross,
        "due": Decimal("0.00"),
        "overdue": Decimal("0.00"),
        "interest": Decimal("0.00"),
        "interest_accrued": Decimal("0.00"),
        "collection_ratio": Decimal("0.0000"),
        "first_payment_received": False,
    }


def test_ledger_services_move_the_counters(clerk, approved_order, head, finance):
    contract = _active(clerk, approved_order, head, finance)  # gross 368490.00, ratio 0.4
    first_payment = Decimal("147396.00")

    with transaction.atomic():
        services.ledger_add_shipped(contract_id=contract.pk, amount=Decimal("1000.00"))
        services.ledger_add_delivered(
            contract_id=contract.pk,
            amount=Decimal("1000.00"),
            delivered_on=timezone.localdate() - datetime.timedelta(days=100),
        )
        services.ledger_add_invoiced(contract_id=contract.pk, amount=Decimal("500.00"))
        services.ledger_add_collected(contract_id=contract.pk, amount=first_payment - 1)
        services.ledger_add_interest_accrued(contract_id=contract.pk, amount=Decimal("3.00"))
        services.ledger_post_interest(contract_id=contract.pk, amount=Decimal("2.00"))
        services.ledger_set_due(
            contract_id=contract.pk, due=Decimal("1000.00"), overdue=Decimal("10.00")
        )

    # The kept counters (live=False): the page and the endpoint compute `interest_accrued` live
    # from finance's allocations, which this test of the counters does not write.
    figures = ledger_figures(
        contract=Contract.objects.select_related("ledger").get(pk=contract.pk), live=False
    )
    assert figures["shipped"] == figures["delivered"] == Decimal("1000.00")
    assert figures["invoiced"] == Decimal("500.00")
    assert figures["collected"] == Decimal("147395.00")
    assert figures["outstanding"] == Decimal("221095.00")
    assert figures["collection_ratio"] == Decimal("0.4000")  # 0.39999… rounded half up
    assert figures["first_payment_received"] is False
    assert (figures["interest"], figures["interest_accrued"]) == (Decimal("2.00"), Decimal("1.00"))
    assert (figures["due"], figures["overdue"]) == (Decimal("1000.00"), Decimal("10.00"))

    with transaction.atomic():
        services.ledger_add_collected(contract_id=contract.pk, amount=Decimal("1.00"))
    figures = ledger_figures(contract=Contract.objects.select_related("ledger").get(pk=contract.pk))
    assert figures["first_payment_received"] is True


def test_a_ledger_figure_never_goes_below_zero(clerk, approved_order, head, finance):
    contract = _active(clerk, approved_order, head, finance)

    with pytest.raises(IntegrityError), transaction.atomic():
        services.ledger_add_collected(contract_id=contract.pk, amount=Decimal("-1.00"))

    assert ContractLedger.objects.get(contract=contract).collected == Decimal("0.00")


@pytest.mark.rule("R25")
def test_a_ledger_figure_beyond_what_the_database_holds_is_refused_naming_it(
    clerk, approved_order, head, finance
):
    """Issue 10 item 0 (R25): MAX_AMOUNT is what every supported database keeps exactly."""
    contract = _active(clerk, approved_order, head, finance)
    with transaction.atomic():
        services.ledger_add_invoiced(contract_id=contract.pk, amount=MAX_AMOUNT - 1)

    with pytest.raises(InvalidInput) as refused, transaction.atomic():
        services.ledger_add_invoiced(contract_id=contract.pk, amount=Decimal("1.01"))
    assert list(refused.value.errors) == ["invoiced"]
    with pytest.raises(InvalidInput) as too_large, transaction.atomic():
        services.ledger_add_shipped(contract_id=contract.pk, amount=MAX_AMOUNT + 1)
    assert list(too_large.value.errors) == ["shipped"]

    ledger = ContractLedger.objects.get(contract=contract)
    assert (ledger.invoiced, ledger.shipped) == (MAX_AMOUNT - 1, Decimal("0.00"))
    with transaction.atomic():  # exactly the bound is kept
        services.ledger_add_invoiced(contract_id=contract.pk, amount=Decimal("1.00"))
    assert ContractLedger.objects.get(contract=contract).invoiced == MAX_AMOUNT


# -- concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.rule("R8")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_contracts_activated_at_once_get_gapless_unique_numbers(make_user):
    lathe = ProductFactory()
    active_price_list(items=[(lathe, "1000.00", "1000.00")])
    clerk = make_user("sales_clerk")
    manager, gm = make_user("sales_manager"), make_user("general_manager")
    customer = CustomerFactory(owner=clerk, credit_limit=Decimal("100000000.00"))
    n = 8
    contracts = []
    for _ in range(n):
        order = make_order(
            clerk=clerk,
            customer=customer,
            catalogue={"lathe": lathe, "service": lathe},
            manager=manager,
            gm=gm,
            qty="1",
        )
        contracts.append(_submitted(clerk, order))
    heads = [make_user("sales_head") for _ in range(n)]
    finances = [make_user("finance") for _ in range(n)]
    for contract, head in zip(contracts, heads, strict=True):
        _cosign(contract, head)  # the last signature of each is left for the threads
    start = threading.Barrier(n)
    errors: list[Exception] = []

    def sign(contract, signer):
        try:
            start.wait()
            approval_decide(actor=signer, request_id=contract.approval_request.pk, approve=True)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=sign, args=(c, f)) for c, f in zip(contracts, finances, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    year = timezone.localdate().year
    numbers = sorted(Contract.objects.values_list("number", flat=True))
    assert numbers == [f"HT-{year}-{i:05d}" for i in range(1, n + 1)]
    assert set(Contract.objects.values_list("status", flat=True)) == {"active"}
