"""Quotations and bids at the service layer (R27): amounts and R5 like an order, the review
chain with the 800,000 threshold, R21 (draft-only editing, no self-approval, role per step),
won / lost, and a won quotation becoming a draft order (a lead converted first, R26)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from approvals.models import ApprovalRequest
from approvals.services import approval_decide
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from sales.models import Customer, Lead, Order, Quotation
from sales.services.leads import lead_create
from sales.services.quotations import (
    quotation_cancel,
    quotation_create,
    quotation_lost,
    quotation_submit,
    quotation_to_order,
    quotation_update,
    quotation_won,
)
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    off_list = ProductFactory(code="P-9999", name="不在价格表")
    active_price_list(items=[(lathe, "168000.00", "150000.00"), (service, "5000.00", "4000.00")])
    return {"lathe": lathe, "service": service, "off_list": off_list}


@pytest.fixture
def customer(clerk):
    return CustomerFactory(owner=clerk, credit_limit=Decimal("1000000.00"))


@pytest.fixture
def head(make_user):
    return make_user("sales_head", username="head.zhao")


@pytest.fixture
def director(make_user):
    return make_user("marketing_director", username="director.sun")


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def lathe(catalogue, price="160000.00", quantity="1"):
    return [{"product": catalogue["lathe"].pk, "quantity": quantity, "unit_price": price}]


def approved(clerk, head, quotation):
    quotation_submit(actor=clerk, quotation_id=quotation.pk)
    request = Quotation.objects.get(pk=quotation.pk).approval_request
    approval_decide(actor=head, request_id=request.pk, approve=True)
    quotation.refresh_from_db()
    assert quotation.status == "approved"
    return quotation


@pytest.mark.rule("R27", "R5")
def test_a_quotation_is_priced_like_an_order(clerk, customer, catalogue):
    quotation = quotation_create(
        actor=clerk,
        customer=customer.pk,
        valid_until=in_days(30),
        lines=[
            *lathe(catalogue, quantity="2"),
            {"product": catalogue["service"].pk, "quantity": "1.5", "unit_price": "4333.33"},
        ],
    )

    assert quotation.number.startswith("QT-")
    assert (quotation.status, quotation.kind) == ("draft", "quotation")
    assert (quotation.net_amount, quotation.tax_amount, quotation.gross_amount) == (
        Decimal("326500.00"),
        Decimal("41990.00"),
        Decimal("368490.00"),
    )
    assert quotation.lines.count() == 2


@pytest.mark.rule("R27")
def test_a_bid_has_its_deadline_and_stays_valid_until_it(clerk, customer, catalogue):
    bid = quotation_create(
        actor=clerk,
        customer=customer.pk,
        valid_until=in_days(60),
        bid_deadline=in_days(10),
        lines=lathe(catalogue),
    )
    assert bid.kind == "bid"

    with pytest.raises(InvalidInput) as refused:
        quotation_create(
            actor=clerk,
            customer=customer.pk,
            valid_until=in_days(5),
            bid_deadline=in_days(10),
            lines=lathe(catalogue),
        )
    assert "valid_until" in refused.value.errors
    assert Quotation.objects.count() == 1


@pytest.mark.rule("R27", "R25")
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"valid_until": ""}, "valid_until"),
        ({"valid_until": "2026-02-30"}, "valid_until"),
        ({"valid_until": "2020-01-01"}, "valid_until"),
        ({"bid_deadline": "2020-01-01"}, "bid_deadline"),
    ],
)
def test_bad_dates_name_their_field_and_write_nothing(clerk, customer, catalogue, fields, field):
    with pytest.raises(InvalidInput) as refused:
        quotation_create(
            actor=clerk,
            customer=customer.pk,
            lines=lathe(catalogue),
            **{"valid_until": in_days(30), **fields},
        )
    assert field in refused.value.errors
    assert not Quotation.objects.exists()


@pytest.mark.rule("R27", "R5")
def test_below_the_floor_or_off_the_list_is_refused(clerk, customer, catalogue):
    with pytest.raises(RuleViolation) as below:
        quotation_create(
            actor=clerk,
            customer=customer.pk,
            valid_until=in_days(30),
            lines=lathe(catalogue, price="149999.99"),
        )
    assert below.value.code == "below_floor_price"
    assert "lines.0.unit_price" in below.value.errors
    with pytest.raises(RuleViolation) as off:
        quotation_create(
            actor=clerk,
            customer=customer.pk,
            valid_until=in_days(30),
            lines=[{"product": catalogue["off_list"].pk, "quantity": "1", "unit_price": "1"}],
        )
    assert off.value.code == "not_on_price_list"
    assert not Quotation.objects.exists()


@pytest.mark.rule("R27", "R23")
def test_a_customer_or_a_lead_and_only_the_clerks_own(clerk, make_user, customer, catalogue):
    other = CustomerFactory(owner=make_user("sales_clerk"))
    for party in ({}, {"customer": customer.pk, "lead": 1}):
        with pytest.raises(InvalidInput) as refused:
            quotation_create(actor=clerk, valid_until=in_days(30), lines=lathe(catalogue), **party)
        assert set(refused.value.errors) == {"customer", "lead"}
    with pytest.raises(InvalidInput) as hidden:
        quotation_create(
            actor=clerk, customer=other.pk, valid_until=in_days(30), lines=lathe(catalogue)
        )
    assert hidden.value.errors == {"customer": ["Unknown customer."]}
    assert not Quotation.objects.exists()


def test_only_the_salesperson_quotes(manager, customer, catalogue):
    with pytest.raises(PermissionRefused):
        quotation_create(
            actor=manager, customer=customer.pk, valid_until=in_days(30), lines=lathe(catalogue)
        )


@pytest.mark.rule("R27", "R21")
@pytest.mark.parametrize(
    ("price", "gross", "roles"),
    [
        ("707964.60", Decimal("800000.00"), ["sales_head"]),
        ("707964.61", Decimal("800000.01"), ["sales_head", "marketing_director"]),
    ],
)
def test_the_marketing_director_reviews_above_800000(
    clerk, customer, catalogue, head, director, price, gross, roles
):
    quotation = quotation_create(
        actor=clerk, customer=customer.pk, valid_until=in_days(30), lines=lathe(catalogue, price)
    )
    assert quotation.gross_amount == gross

    quotation_submit(actor=clerk, quotation_id=quotation.pk)

    request = ApprovalRequest.objects.get(document_type="quotation", document_id=quotation.pk)
    assert [step.role for step in request.steps.order_by("sequence")] == roles
    approval_decide(actor=head, request_id=request.pk, approve=True)
    quotation.refresh_from_db()
    if len(roles) == 1:
        assert quotation.status == "approved"
        return
    assert quotation.status == "submitted"
    approval_decide(actor=director, request_id=request.pk, approve=True)
    quotation.refresh_from_db()
    assert quotation.status == "approved"


@pytest.mark.rule("R21")
def test_r21_refusals_hold_for_quotations(clerk, customer, catalogue, head, director, make_user):
    quotation = quotation_create(
        actor=clerk,
        customer=customer.pk,
        valid_until=in_days(30),
        lines=lathe(catalogue, "707964.61"),
    )
    quotation_submit(actor=clerk, quotation_id=quotation.pk)
    request = ApprovalRequest.objects.get(document_type="quotation", document_id=quotation.pk)

    # Editing and submitting again are refused once submitted.
    with pytest.raises(RuleViolation) as edit:
        quotation_update(actor=clerk, quotation_id=quotation.pk, note="改价")
    assert edit.value.code == "invalid_transition"
    with pytest.raises(RuleViolation):
        quotation_submit(actor=clerk, quotation_id=quotation.pk)
    # The marketing director's step is not open before the sales head's.
    with pytest.raises(PermissionRefused) as early:
        approval_decide(actor=director, request_id=request.pk, approve=True)
    assert early.value.code == "not_your_step"
    # A clerk who is also sales head never approves their own quotation.
    both = make_user("sales_clerk", "sales_head")
    own_customer = CustomerFactory(owner=both)
    own = quotation_create(
        actor=both, customer=own_customer.pk, valid_until=in_days(30), lines=lathe(catalogue)
    )
    quotation_submit(actor=both, quotation_id=own.pk)
    with pytest.raises(PermissionRefused) as self_approval:
        approval_decide(actor=both, request_id=own.approval_request.pk, approve=True)
    assert self_approval.value.code == "self_approval_forbidden"
    # A rejection needs a comment and returns the quotation to draft, editable again.
    with pytest.raises(InvalidInput):
        approval_decide(actor=head, request_id=request.pk, approve=False, comment="")
    approval_decide(actor=head, request_id=request.pk, approve=False, comment="价格过低")
    quotation.refresh_from_db()
    assert quotation.status == "draft"
    quotation_update(actor=clerk, quotation_id=quotation.pk, note="改价")
    # Won or lost only once approved.
    with pytest.raises(RuleViolation):
        quotation_won(actor=clerk, quotation_id=quotation.pk)


@pytest.mark.rule("R27")
def test_lost_needs_a_reason_and_keeps_it(clerk, customer, catalogue, head):
    quotation = approved(
        clerk,
        head,
        quotation_create(
            actor=clerk, customer=customer.pk, valid_until=in_days(30), lines=lathe(catalogue)
        ),
    )
    with pytest.raises(InvalidInput) as refused:
        quotation_lost(actor=clerk, quotation_id=quotation.pk, reason="  ")
    assert "reason" in refused.value.errors
    quotation.refresh_from_db()
    assert quotation.status == "approved"

    quotation_lost(actor=clerk, quotation_id=quotation.pk, reason="价格高于竞争对手")

    quotation.refresh_from_db()
    assert (quotation.status, quotation.outcome_reason) == ("lost", "价格高于竞争对手")
    assert quotation.decided_at is not None
    with pytest.raises(RuleViolation):
        quotation_to_order(actor=clerk, quotation_id=quotation.pk)


@pytest.mark.rule("R27")
def test_an_expired_quotation_cannot_be_won(clerk, customer, catalogue, head):
    quotation = approved(
        clerk,
        head,
        quotation_create(
            actor=clerk, customer=customer.pk, valid_until=in_days(1), lines=lathe(catalogue)
        ),
    )
    Quotation.objects.filter(pk=quotation.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(RuleViolation) as refused:
        quotation_won(actor=clerk, quotation_id=quotation.pk)
    assert refused.value.code == "quotation_expired"
    quotation.refresh_from_db()
    assert quotation.status == "approved"


@pytest.mark.rule("R27")
def test_a_won_quotation_becomes_a_draft_order_with_the_same_lines(
    clerk, customer, catalogue, head
):
    quotation = approved(
        clerk,
        head,
        quotation_create(
            actor=clerk,
            customer=customer.pk,
            valid_until=in_days(30),
            lines=[
                *lathe(catalogue, quantity="2"),
                {"product": catalogue["service"].pk, "quantity": "3", "unit_price": "4500.00"},
            ],
        ),
    )
    quotation_won(actor=clerk, quotation_id=quotation.pk, reason="技术领先")

    order = quotation_to_order(actor=clerk, quotation_id=quotation.pk)

    assert (order.status, order.customer_id, order.created_by) == ("draft", customer.pk, clerk)
    assert order.gross_amount == quotation.gross_amount
    assert [
        (line.product_id, line.quantity, line.unit_price, line.tax_rate, line.gross)
        for line in order.lines.all()
    ] == [
        (line.product_id, line.quantity, line.unit_price, line.tax_rate, line.gross)
        for line in quotation.lines.all()
    ]
    quotation.refresh_from_db()
    assert quotation.order == order
    with pytest.raises(RuleViolation) as again:
        quotation_to_order(actor=clerk, quotation_id=quotation.pk)
    assert again.value.code == "invalid_transition"
    assert Order.objects.count() == 1


@pytest.mark.rule("R27", "R26")
def test_a_quotation_for_a_lead_converts_the_lead_when_it_becomes_an_order(clerk, catalogue, head):
    lead = lead_create(actor=clerk, company="苏州精工机械有限公司", contact_name="周工", grade="A")
    quotation = approved(
        clerk,
        head,
        quotation_create(
            actor=clerk, lead=lead.pk, valid_until=in_days(30), lines=lathe(catalogue)
        ),
    )
    assert quotation.customer is None
    quotation_won(actor=clerk, quotation_id=quotation.pk)

    order = quotation_to_order(actor=clerk, quotation_id=quotation.pk, tax_id="91320500MA1XYZ1234")

    lead.refresh_from_db()
    quotation.refresh_from_db()
    assert lead.status == "converted"
    assert order.customer == lead.customer == quotation.customer
    assert (order.customer.name, order.customer.owner) == ("苏州精工机械有限公司", clerk)


@pytest.mark.rule("R27", "R26")
def test_a_duplicate_customer_refuses_the_order_and_writes_nothing(
    clerk, customer, catalogue, head
):
    lead = lead_create(actor=clerk, company=customer.name, contact_name="周工", grade="B")
    quotation = approved(
        clerk,
        head,
        quotation_create(
            actor=clerk, lead=lead.pk, valid_until=in_days(30), lines=lathe(catalogue)
        ),
    )
    quotation_won(actor=clerk, quotation_id=quotation.pk)
    customers = Customer.objects.count()

    with pytest.raises(RuleViolation) as refused:
        quotation_to_order(actor=clerk, quotation_id=quotation.pk)

    assert refused.value.code == "duplicate_customer"
    assert Customer.objects.count() == customers
    assert not Order.objects.exists()
    lead.refresh_from_db()
    assert lead.status == "open"


@pytest.mark.rule("R26", "R27")
def test_converting_the_lead_moves_its_quotations_to_the_customer(clerk, catalogue):
    from sales.services.leads import lead_convert

    lead = lead_create(actor=clerk, company="无锡新材料有限公司", contact_name="钱经理", grade="A")
    quotation = quotation_create(
        actor=clerk, lead=lead.pk, valid_until=in_days(30), lines=lathe(catalogue)
    )

    customer = lead_convert(actor=clerk, lead_id=lead.pk)

    quotation.refresh_from_db()
    assert (quotation.customer, quotation.lead) == (customer, Lead.objects.get(pk=lead.pk))


def test_a_closed_lead_cannot_be_quoted(clerk, catalogue):
    from sales.services.leads import lead_close

    lead = lead_create(actor=clerk, company="常州机电", contact_name="孙", grade="C")
    lead_close(actor=clerk, lead_id=lead.pk, reason="无需求")
    with pytest.raises(RuleViolation) as refused:
        quotation_create(actor=clerk, lead=lead.pk, valid_until=in_days(30), lines=lathe(catalogue))
    assert refused.value.code == "lead_not_open"


def test_another_clerk_cannot_act_on_the_quotation(clerk, make_user, customer, catalogue):
    quotation = quotation_create(
        actor=clerk, customer=customer.pk, valid_until=in_days(30), lines=lathe(catalogue)
    )
    stranger = make_user("sales_clerk")
    with pytest.raises(NotVisible):
        quotation_submit(actor=stranger, quotation_id=quotation.pk)
    quotation.refresh_from_db()
    assert quotation.status == "draft"


def test_cancel_withdraws_a_submitted_quotation(clerk, customer, catalogue):
    quotation = quotation_create(
        actor=clerk, customer=customer.pk, valid_until=in_days(30), lines=lathe(catalogue)
    )
    quotation_submit(actor=clerk, quotation_id=quotation.pk)

    quotation_cancel(actor=clerk, quotation_id=quotation.pk)

    quotation.refresh_from_db()
    assert quotation.status == "cancelled"
    assert quotation.approval_request.status == "withdrawn"
