"""Writes for customers and products (STYLE.md: `<entity>_<verb>(*, actor, ...)`)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.numbering import number_next
from core.permissions import require_role, sees_customer
from core.roles import Role
from core.validation import reject_unknown_fields, save_unique, validate_instance
from sales.models import Contact, Customer, Product, RiskLevel

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CUSTOMER_EDITORS = (
    Role.SALES_CLERK,
    Role.SALES_MANAGER,
    Role.SALES_HEAD,
    Role.GENERAL_MANAGER,
    Role.CREDIT_CONTROLLER,
)
CATALOGUE_EDITORS = (Role.GENERAL_MANAGER,)
CUSTOMER_FIELDS = (
    "name",
    "code",
    "tax_id",
    "contact_name",
    "phone",
    "email",
    "address",
    "is_active",
)
CONTACT_FIELDS = ("name", "title", "phone", "email")
PRODUCT_FIELDS = ("code", "name", "specification", "unit", "tax_rate", "is_active")


def customer_refuse_credit_fields(fields: Mapping | Sequence) -> None:
    """R2: credit limit, credit days and risk level change only by a credit change request."""
    present = [name for name in Customer.CREDIT_FIELDS if name in fields]
    if present:
        message = _("Changes only through an approved credit change request.")
        raise RuleViolation(
            "credit_change_requires_approval",
            detail=_(
                "Credit limit, credit days and risk level change only through a credit change "
                "request approved by the general manager."
            ),
            errors={name: [message] for name in present},
        )


def _check_owner(*, actor: "User", owner) -> None:
    if owner is None or not owner.is_active:
        raise InvalidInput(errors={"owner": [_("Choose an active user.")]})
    # R23: the actor must see the customers the owner will own (a clerk: only their own).
    if not sees_customer(actor, owner_id=owner.pk):
        raise PermissionRefused(
            detail=_("A sales clerk may only own their own customers."),
            errors={"owner": [_("You can only assign customers to yourself.")]},
        )


def _contacts_replace(*, actor: "User", customer: Customer, contacts: Sequence[Mapping]) -> None:
    rows = []
    for index, data in enumerate(contacts):
        reject_unknown_fields(data, CONTACT_FIELDS)
        contact = Contact(customer=customer, **{k: data.get(k) or "" for k in CONTACT_FIELDS})
        validate_instance(contact, exclude=["customer"], prefix=f"contacts.{index}")
        rows.append(contact)
    for old in Contact.objects.filter(customer=customer):
        old._history_user = actor
        old.delete()
    for row in rows:  # one by one, so each keeps its history (R24)
        row._history_user = actor
        row.save()


# customer_create … product_update are not durable: the imports run them in their transaction,
# a savepoint per row, and the admin saves inside the transaction of its change view.


@transaction.atomic
def customer_create(
    *, actor: "User", owner=None, contacts: Sequence[Mapping] | None = None, **fields
) -> Customer:
    """Create a customer with the R1 defaults: credit limit 0, credit days 0, risk high."""
    require_role(actor, *CUSTOMER_EDITORS)
    customer_refuse_credit_fields(fields)
    reject_unknown_fields(fields, CUSTOMER_FIELDS)
    owner = owner or actor
    _check_owner(actor=actor, owner=owner)
    customer = Customer(owner=owner, **{k: v for k, v in fields.items() if v is not None})
    customer.risk_level = RiskLevel.HIGH
    if not customer.code:
        customer.code = f"C{number_next(series='customer'):05d}"
    validate_instance(customer)
    save_unique(customer, actor=actor, field="code", message=_("A customer with this code exists."))
    if contacts:
        _contacts_replace(actor=actor, customer=customer, contacts=contacts)
    return customer


@transaction.atomic
def customer_update(
    *,
    actor: "User",
    customer_id: int,
    owner=None,
    contacts: Sequence[Mapping] | None = None,
    **fields,
) -> Customer:
    require_role(actor, *CUSTOMER_EDITORS)
    customer_refuse_credit_fields(fields)
    reject_unknown_fields(fields, CUSTOMER_FIELDS)
    customer = Customer.objects.select_for_update().filter(pk=customer_id).first()
    if customer is None or not sees_customer(actor, owner_id=customer.owner_id):
        raise NotVisible()
    if owner is not None and owner.pk != customer.owner_id:
        if not sees_customer(actor, owner_id=owner.pk):
            raise PermissionRefused(
                detail=_("Only a manager can hand a customer to another owner."),
                errors={"owner": [_("You cannot change the owner.")]},
            )
        _check_owner(actor=actor, owner=owner)
        customer.owner = owner
    for name, value in fields.items():
        setattr(customer, name, "" if value is None and name != "is_active" else value)
    validate_instance(customer)
    save_unique(customer, actor=actor, field="code", message=_("A customer with this code exists."))
    if contacts is not None:
        _contacts_replace(actor=actor, customer=customer, contacts=contacts)
    return customer


@transaction.atomic
def product_create(*, actor: "User", **fields) -> Product:
    require_role(actor, *CATALOGUE_EDITORS)
    reject_unknown_fields(fields, PRODUCT_FIELDS)
    product = Product(**{k: v for k, v in fields.items() if v is not None})
    validate_instance(product)
    save_unique(product, actor=actor, field="code", message=_("A product with this code exists."))
    return product


@transaction.atomic
def product_update(*, actor: "User", product_id: int, **fields) -> Product:
    require_role(actor, *CATALOGUE_EDITORS)
    reject_unknown_fields(fields, PRODUCT_FIELDS)
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise NotVisible()
    for name, value in fields.items():
        setattr(product, name, value)
    validate_instance(product)
    save_unique(product, actor=actor, field="code", message=_("A product with this code exists."))
    return product


# --- CSV / XLSX import ----------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _row_error(errors: dict, row_number: int, exc) -> None:
    for field, messages in (exc.errors or {"non_field_errors": [exc.detail]}).items():
        errors.setdefault(f"row {row_number}: {field}", []).extend(messages)


@transaction.atomic(durable=True)
def customers_import(*, actor: "User", rows: Sequence[Mapping[str, str]]) -> ImportResult:
    """Create or update customers by `code`, all or nothing (R25).

    Credit columns may be present (an exported file comes back) but must equal the customer's
    current values, or the R1 defaults for a new one; any other value is refused (R2).
    """
    require_role(actor, *CUSTOMER_EDITORS)
    errors: dict[str, list[str]] = {}
    credit_errors: dict[str, list[str]] = {}
    created = updated = 0
    usernames = {str(r.get("owner") or "").strip() for r in rows} - {""}
    owners = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    codes = {str(r.get("code") or "").strip() for r in rows} - {""}
    existing = {c.code: c for c in Customer.objects.filter(code__in=codes)}
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        row = {str(k).strip(): ("" if v is None else str(v).strip()) for k, v in raw.items() if k}
        code = row.get("code", "")
        customer = existing.get(code)
        current = (
            {
                "credit_limit": customer.credit_limit,
                "credit_days": customer.credit_days,
                "risk_level": customer.risk_level,
            }
            if customer
            else {"credit_limit": 0, "credit_days": 0, "risk_level": RiskLevel.HIGH}
        )
        for name in Customer.CREDIT_FIELDS:
            value = row.get(name, "")
            if value == "":
                continue
            same = (
                value == current[name]
                if name == "risk_level"
                else _decimal_equal(value, current[name])
            )
            if not same:
                credit_errors.setdefault(f"row {number}: {name}", []).append(
                    _("Changes only through an approved credit change request.")
                )
        fields = {k: row[k] for k in CUSTOMER_FIELDS if k in row and k != "is_active"}
        if "is_active" in row and row["is_active"] != "":
            fields["is_active"] = row["is_active"].lower() in {"1", "true", "yes", "y", "是"}
        owner = None
        if row.get("owner"):
            owner = owners.get(row["owner"])
            if owner is None:
                errors.setdefault(f"row {number}: owner", []).append(_("Unknown user."))
                continue
        try:
            with transaction.atomic():
                if customer is None:
                    customer_create(actor=actor, owner=owner, **fields)
                    created += 1
                else:
                    customer_update(actor=actor, customer_id=customer.pk, owner=owner, **fields)
                    updated += 1
        except (InvalidInput, PermissionRefused, NotVisible) as exc:
            _row_error(errors, number, exc)
    if credit_errors:
        raise RuleViolation(
            "credit_change_requires_approval",
            detail=_("The file changes credit fields; use a credit change request."),
            errors=credit_errors,
        )
    if errors:
        raise InvalidInput(detail=_("The file has errors; nothing was imported."), errors=errors)
    return ImportResult(created=created, updated=updated)


@transaction.atomic(durable=True)
def products_import(*, actor: "User", rows: Sequence[Mapping[str, str]]) -> ImportResult:
    """Create or update products by `code`, all or nothing (R25)."""
    require_role(actor, *CATALOGUE_EDITORS)
    errors: dict[str, list[str]] = {}
    created = updated = 0
    codes = {str(r.get("code") or "").strip() for r in rows} - {""}
    existing = {p.code: p for p in Product.objects.filter(code__in=codes)}
    for number, raw in enumerate(rows, start=2):
        row = {str(k).strip(): ("" if v is None else str(v).strip()) for k, v in raw.items() if k}
        fields = {k: row[k] for k in PRODUCT_FIELDS if k in row and k != "is_active"}
        if fields.get("tax_rate") == "":
            fields.pop("tax_rate")
        if "is_active" in row and row["is_active"] != "":
            fields["is_active"] = row["is_active"].lower() in {"1", "true", "yes", "y", "是"}
        product = existing.get(row.get("code", ""))
        try:
            with transaction.atomic():
                if product is None:
                    product_create(actor=actor, **fields)
                    created += 1
                else:
                    product_update(actor=actor, product_id=product.pk, **fields)
                    updated += 1
        except (InvalidInput, PermissionRefused) as exc:
            _row_error(errors, number, exc)
    if errors:
        raise InvalidInput(detail=_("The file has errors; nothing was imported."), errors=errors)
    return ImportResult(created=created, updated=updated)


def _decimal_equal(text: str, value) -> bool:
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(text) == Decimal(value)
    except InvalidOperation:
        return False
