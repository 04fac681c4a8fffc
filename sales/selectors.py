"""Reads for customers, products and credit change requests, with visibility (R23) applied."""

from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from approvals.models import ApprovalRequest, Decision
from approvals.selectors import approvals_for_documents
from core.errors import NotVisible
from core.money import money
from core.permissions import sees_all_customers
from sales.models import CreditChangeRequest, Customer, Product


def customer_list(
    *, user, search: str = "", risk_level: str = "", owner: str = "", active: bool | None = None
) -> QuerySet[Customer]:
    """The customers `user` may see (R23), filtered, with the owner joined."""
    qs = Customer.objects.select_related("owner")
    if not sees_all_customers(user):
        qs = qs.filter(owner=user)
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(code__icontains=search)
            | Q(tax_id__icontains=search)
            | Q(contact_name__icontains=search)
        )
    if risk_level:
        qs = qs.filter(risk_level=risk_level)
    if owner:
        qs = qs.filter(owner__username=owner)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("code")


def customer_get(*, user, customer_id: int) -> Customer:
    customer = customer_list(user=user).prefetch_related("contacts").filter(pk=customer_id).first()
    if customer is None:
        raise NotVisible()
    return customer


def customer_credit(*, customer: Customer) -> dict:
    """The credit position of API.md `customers/{id}/credit/` (R3, R4).

    Exposure is the kept counter (R3). The overdue amount is the one owed on deliveries past
    their due date (R18); with no delivery recorded there is none.
    """
    exposure = money(customer.exposure)
    return {
        "credit_limit": money(customer.credit_limit),
        "credit_days": customer.credit_days,
        "risk_level": customer.risk_level,
        "exposure": exposure,
        "available": money(customer.credit_limit) - exposure,
        "overdue_amount": money(Decimal("0")),
        "blocked": customer.blocked,
    }


def customer_export_rows(*, user) -> tuple[list[str], list[list]]:
    headers = [
        "code",
        "name",
        "tax_id",
        "contact_name",
        "phone",
        "email",
        "address",
        "owner",
        "credit_limit",
        "credit_days",
        "risk_level",
        "is_active",
    ]
    rows = [
        [
            c.code,
            c.name,
            c.tax_id,
            c.contact_name,
            c.phone,
            c.email,
            c.address,
            c.owner.username,
            str(c.credit_limit),
            c.credit_days,
            c.risk_level,
            "true" if c.is_active else "false",
        ]
        for c in customer_list(user=user)
    ]
    return headers, rows


def product_list(*, search: str = "", active: bool | None = None) -> QuerySet[Product]:
    qs = Product.objects.all()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("code")


def product_export_rows() -> tuple[list[str], list[list]]:
    headers = ["code", "name", "specification", "unit", "tax_rate", "is_active"]
    rows = [
        [
            p.code,
            p.name,
            p.specification,
            p.unit,
            str(p.tax_rate),
            "true" if p.is_active else "false",
        ]
        for p in product_list()
    ]
    return headers, rows


# --- credit change requests (R2) ----------------------------------------------------------------


def credit_change_list(
    *, user, search: str = "", status: str = "", customer_id: int | None = None
) -> QuerySet[CreditChangeRequest]:
    """The credit change requests of the customers `user` may see (R23), newest first, with
    the customer and the proposer joined."""
    qs = CreditChangeRequest.objects.select_related("customer", "created_by")
    if not sees_all_customers(user):
        qs = qs.filter(customer__in=customer_list(user=user).order_by().values("pk"))
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(customer__code__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs.order_by("-created_at", "-id")


def credit_change_get(*, user, change_id: int) -> CreditChangeRequest:
    change = credit_change_list(user=user).filter(pk=change_id).first()
    if change is None:
        raise NotVisible()
    return change


def credit_changes_with_approvals(changes) -> list[CreditChangeRequest]:
    """The requests with their latest approval attached, for a page of a list: one query
    (and its prefetches) for the page instead of one per row."""
    changes = list(changes)
    latest = approvals_for_documents(
        document_type=CreditChangeRequest.approval_document_type,
        document_ids=[c.pk for c in changes],
    )
    for change in changes:
        change.__dict__["_approval_request"] = latest.get(change.pk)
    return changes


def credit_change_approvals(*, change: CreditChangeRequest) -> list:
    """Every submission of the request, newest first, each with all its steps and its
    decisions (who, role, on behalf of, when, comment)."""
    return list(
        ApprovalRequest.objects.filter(
            document_type=CreditChangeRequest.approval_document_type, document_id=change.pk
        )
        .select_related("requested_by")
        .prefetch_related(
            "steps",
            Prefetch("decisions", queryset=Decision.objects.select_related("user", "on_behalf_of")),
        )
        .order_by("-created_at", "-id")
    )


def customer_credit_changes(*, customer: Customer, limit: int = 50) -> list[CreditChangeRequest]:
    """The customer's credit change requests for its page, newest first (bounded)."""
    return list(
        CreditChangeRequest.objects.filter(customer=customer)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )
