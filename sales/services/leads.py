"""Writes for leads 潜在客户 (R26): capture, update and regrade, contact log, close, conversion
into a customer (R1). Every due date comes from `sales.leads_clock`.

Who: the sales roles capture and work leads (LEAD_ROLES); R23 as for customers — a clerk sees
and acts on the leads they own only, a sales manager, the head of sales and the general manager
on all. Locks: the lead row, then (conversion) the new customer.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.db import lock_key
from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from core.permissions import require_role, sees_customer
from core.roles import Role
from core.validation import reject_unknown_fields, validate_instance
from sales import leads_clock
from sales.models import Customer, Lead, LeadContact, LeadStatus
from sales.models.customers import normalise_company_name
from sales.services.customers import customer_create

if TYPE_CHECKING:
    from django.contrib.auth.models import User

LEAD_ROLES = (Role.SALES_CLERK, Role.SALES_MANAGER, Role.SALES_HEAD, Role.GENERAL_MANAGER)
LEAD_FIELDS = (
    "company",
    "contact_name",
    "position",
    "phone",
    "email",
    "size",
    "business",
    "source",
    "current_supplier",
    "need",
    "budget",
    "decision_power",
    "grade",
    "grade_reason",
)
CONTACT_FIELDS = ("contacted_at", "channel", "note", "next_step")


def _owner_of(*, actor: "User", owner) -> "User":
    """`owner` (a user or a username; None → the actor), active, and one the actor may give a
    lead to (R23: a clerk only to themselves)."""
    if owner is None or owner == "":
        owner = actor
    elif isinstance(owner, str):
        owner = get_user_model().objects.filter(username=owner).first()
    if owner is None or not owner.is_active:
        raise InvalidInput(errors={"owner": [_("Choose an active user.")]})
    if not sees_customer(actor, owner_id=owner.pk):
        raise PermissionRefused(
            detail=_("A sales clerk may only own their own leads."),
            errors={"owner": [_("You can only assign leads to yourself.")]},
        )
    return owner


def _clean_budget(fields: dict) -> None:
    value = fields.get("budget")
    if value in (None, ""):
        fields["budget"] = None
        return
    try:
        fields["budget"] = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(errors={"budget": [_("Enter a number.")]}) from None


def _lead_for_update(*, actor: "User", lead_id) -> Lead:
    require_role(actor, *LEAD_ROLES)
    lead = Lead.objects.select_for_update().filter(pk=lead_id).first()
    if lead is None or not sees_customer(actor, owner_id=lead.owner_id):
        raise NotVisible()
    return lead


def _require_open(lead: Lead) -> None:
    if lead.status != LeadStatus.OPEN:
        raise RuleViolation(
            "lead_not_open",
            detail=_("The lead is %(status)s; only an open lead can be changed.")
            % {"status": lead.get_status_display()},
        )


def lead_build(*, actor: "User", owner=None, now: datetime | None = None, **fields) -> Lead:
    """The lead `lead_create` would capture, validated and unsaved: the one check of a new
    lead's fields and owner, which the sheet import runs on each row too. Refusals as
    `lead_create`'s; reads only (the owner)."""
    require_role(actor, *LEAD_ROLES)
    reject_unknown_fields(fields, LEAD_FIELDS)
    owner = _owner_of(actor=actor, owner=owner)
    _clean_budget(fields)
    lead = Lead(owner=owner, **{k: ("" if v is None else v) for k, v in fields.items()})
    lead.budget = fields.get("budget")
    lead.created_at = now or timezone.now()  # the capture: the clock starts here
    validate_instance(lead)
    return lead


def lead_save_new(lead: Lead, *, actor: "User") -> Lead:
    """Write a lead from `lead_build`: its first contact falls due by its grade (R26). Inside
    the caller's transaction."""
    lead.next_contact_due = leads_clock.first_contact_due(lead.grade, lead.created_at)
    lead._history_user = actor
    lead.save()
    return lead


@transaction.atomic(durable=True)
def lead_create(*, actor: "User", owner=None, now: datetime | None = None, **fields) -> Lead:
    """Capture a lead; its first contact falls due by its grade (R26)."""
    lead = lead_build(actor=actor, owner=owner, now=now, **fields)
    return lead_save_new(lead, actor=actor)


@transaction.atomic(durable=True)
def lead_update(
    *, actor: "User", lead_id: int, owner=None, now: datetime | None = None, **fields
) -> Lead:
    """Change an open lead; a new grade moves the next due (R26, leads_clock.due_after_regrade)."""
    reject_unknown_fields(fields, LEAD_FIELDS)
    lead = _lead_for_update(actor=actor, lead_id=lead_id)
    _require_open(lead)
    if owner is not None and owner != "":
        new_owner = _owner_of(actor=actor, owner=owner)
        lead.owner = new_owner
    if "budget" in fields:
        _clean_budget(fields)
    old_grade = lead.grade
    for name, value in fields.items():
        setattr(lead, name, value if value is not None or name == "budget" else "")
    validate_instance(lead)
    if lead.grade != old_grade:
        lead.next_contact_due = leads_clock.due_after_regrade(
            lead.grade, last_contacted_at=lead.last_contacted_at, now=now or timezone.now()
        )
    lead._history_user = actor
    lead.save()
    return lead


def _moment(value, field: str) -> datetime:
    if isinstance(value, str):
        value = parse_datetime(value.strip()) if value.strip() else None
    if not isinstance(value, datetime):
        raise InvalidInput(errors={field: [_("Enter a valid date and time.")]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


@transaction.atomic(durable=True)
def lead_contact_log(
    *, actor: "User", lead_id: int, now: datetime | None = None, **fields
) -> LeadContact:
    """Log a contact with an open lead; its next contact falls due by its grade from the
    contact's time (R26). A contact in the future is refused; one older than the last contact
    is logged but leaves the due where the later contact put it."""
    reject_unknown_fields(fields, CONTACT_FIELDS)
    lead = _lead_for_update(actor=actor, lead_id=lead_id)
    _require_open(lead)
    if fields.get("contacted_at") in (None, ""):
        raise InvalidInput(errors={"contacted_at": [_("This field is required.")]})
    contacted_at = _moment(fields["contacted_at"], "contacted_at")
    if contacted_at > (now or timezone.now()):
        raise InvalidInput(errors={"contacted_at": [_("A contact cannot be in the future.")]})
    contact = LeadContact(
        lead=lead,
        by=actor,
        contacted_at=contacted_at,
        channel=fields.get("channel") or "",
        note=fields.get("note") or "",
        next_step=fields.get("next_step") or "",
    )
    validate_instance(contact, exclude=["lead", "by"])
    contact._history_user = actor
    contact.save()
    if lead.last_contacted_at is None or contacted_at >= lead.last_contacted_at:
        lead.last_contacted_at = contacted_at
        lead.next_contact_due = leads_clock.next_contact_due(lead.grade, contacted_at)
        lead._history_user = actor
        lead.save(update_fields=["last_contacted_at", "next_contact_due"])
    return contact


@transaction.atomic(durable=True)
def lead_close(*, actor: "User", lead_id: int, reason: str = "") -> Lead:
    """Close an open lead (no business); it leaves the follow-up lists."""
    lead = _lead_for_update(actor=actor, lead_id=lead_id)
    _require_open(lead)
    lead.status = LeadStatus.CLOSED
    lead.next_contact_due = None
    if reason:
        lead.grade_reason = reason[:300]
    lead._history_user = actor
    lead.save()
    return lead


def duplicate_customer_of(*, name: str, tax_id: str = "") -> Customer | None:
    """The customer a conversion would duplicate: same tax id, or same normalised name
    (`normalise_company_name`)."""
    if tax_id:
        found = Customer.objects.filter(tax_id=tax_id).first()
        if found is not None:
            return found
    key = normalise_company_name(name)
    return Customer.objects.filter(name_key=key).order_by("pk").first() if key else None


@transaction.atomic(durable=True)
def lead_convert(*, actor: "User", lead_id: int, tax_id: str | None = None) -> Customer:
    """An open lead becomes a customer with the R1 defaults and the lead's owner; the lead keeps
    its history and points to the customer (R26). A customer with the same tax id or the same
    normalised name refuses it (`duplicate_customer`, naming that customer); nothing is written."""
    return lead_convert_within(actor=actor, lead_id=lead_id, tax_id=tax_id)


def lead_convert_within(*, actor: "User", lead_id: int, tax_id: str | None = None) -> Customer:
    """`lead_convert` inside the caller's transaction: a won quotation for a lead converts the
    lead before it becomes an order (R27, `sales.services.quotations.quotation_to_order`). The
    lead's quotations are then for the new customer too."""
    lead = _lead_for_update(actor=actor, lead_id=lead_id)
    _require_open(lead)
    tax_id = (tax_id or "").strip()
    # Two leads of one company converted at once: the second waits here for the first's
    # commit, then finds its customer (the name key is not unique: customers entered before
    # it may share one).
    lock_key(f"customer-name:{normalise_company_name(lead.company)}")
    existing = duplicate_customer_of(name=lead.company, tax_id=tax_id)
    if existing is not None:
        field = "tax_id" if tax_id and existing.tax_id == tax_id else "company"
        raise RuleViolation(
            "duplicate_customer",
            detail=_("Customer %(customer)s already exists; the lead is not converted.")
            % {"customer": str(existing)},
            errors={field: [_("Same as customer %(customer)s.") % {"customer": str(existing)}]},
        )
    customer = customer_create(
        actor=actor,
        owner=lead.owner,
        name=lead.company,
        tax_id=tax_id,
        contact_name=lead.contact_name,
        phone=lead.phone,
        email=lead.email,
        contacts=[
            {
                "name": lead.contact_name,
                "title": lead.position,
                "phone": lead.phone,
                "email": lead.email,
            }
        ],
    )
    lead.customer = customer
    lead.status = LeadStatus.CONVERTED
    lead.next_contact_due = None
    lead._history_user = actor
    lead.save()
    for quotation in lead.quotations.filter(customer__isnull=True):
        quotation.customer = customer
        quotation._history_user = actor
        quotation.save(update_fields=["customer"])
    return customer
