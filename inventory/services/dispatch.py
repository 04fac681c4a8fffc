"""Service dispatch (接续派工单) and acceptance (R15): installation or on-site service is
prepared by a clerk, refused `first_payment_required` until the contract's collected amount
reaches its first payment (gross × first-payment ratio) — at submit and again at approval —
approved by the sales manager, and completed with the acceptance report (验收报告) number."""

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.services import approval_request_open
from contracts.models import ContractLedger
from core.errors import InvalidInput, NotVisible, RuleViolation
from core.formats import format_amount
from core.numbering import document_number
from core.permissions import require_role
from core.roles import Role
from core.validation import reject_unknown_fields, validate_instance
from inventory.models import ServiceDispatch, ServiceDispatchStatus
from inventory.services.common import (
    contract_for_document,
    parse_day,
    refuse_state,
    require_visible,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


DISPATCH_FIELDS = ("contract", "scheduled_on", "description")
DISPATCH_AUTHORS = (Role.SALES_CLERK,)


def _require_first_payment(dispatch: ServiceDispatch) -> None:
    contract = dispatch.contract
    collected = ContractLedger.objects.values_list("collected", flat=True).get(
        contract_id=contract.pk
    )
    if collected < contract.first_payment_amount:
        raise RuleViolation(
            "first_payment_required",
            detail=_(
                "%(number)s has %(collected)s collected; the first payment of %(first)s must be "
                "in before service is dispatched."
            )
            % {
                "number": contract.display_number,
                "collected": format_amount(collected),
                "first": format_amount(contract.first_payment_amount),
            },
            errors={"contract": [_("The first payment has not been collected.")]},
        )


@transaction.atomic(durable=True)
def service_dispatch_create(*, actor: "User", data: Mapping) -> ServiceDispatch:
    require_role(actor, *DISPATCH_AUTHORS)
    reject_unknown_fields(data, DISPATCH_FIELDS)
    errors: dict[str, list[str]] = {}
    contract = scheduled_on = None
    try:
        contract = contract_for_document(actor=actor, contract_id=data.get("contract"))
    except InvalidInput as error:
        errors.update(error.errors)
    try:
        scheduled_on = parse_day(data.get("scheduled_on"), field="scheduled_on")
    except InvalidInput as error:
        errors.update(error.errors)
    description = str(data.get("description") or "").strip()
    if not description:
        errors["description"] = [_("Describe the service to be done.")]
    if errors:
        raise InvalidInput(errors=errors)
    dispatch = ServiceDispatch(
        contract=contract,
        customer_id=contract.customer_id,
        scheduled_on=scheduled_on,
        description=description,
        created_by=actor,
    )
    validate_instance(dispatch, exclude=["number", "contract", "customer", "created_by"])
    dispatch.number = document_number(prefix="PG", series="service_dispatch")
    dispatch._history_user = actor
    dispatch.save()
    return dispatch


def _locked(dispatch_id: int, *, actor: "User") -> ServiceDispatch:
    dispatch = (
        ServiceDispatch.objects.select_for_update(of=("self",))
        .select_related("customer", "contract")
        .filter(pk=dispatch_id)
        .first()
    )
    if dispatch is None:
        raise NotVisible()
    require_visible(dispatch, actor)
    return dispatch


@transaction.atomic(durable=True)
def service_dispatch_update(*, actor: "User", dispatch_id: int, data: Mapping) -> ServiceDispatch:
    require_role(actor, *DISPATCH_AUTHORS)
    reject_unknown_fields(data, ("scheduled_on", "description"))
    dispatch = _locked(dispatch_id, actor=actor)
    if dispatch.status != ServiceDispatchStatus.DRAFT:
        refuse_state(dispatch, _("changed"))
    if "scheduled_on" in data:
        dispatch.scheduled_on = parse_day(data.get("scheduled_on"), field="scheduled_on")
    if "description" in data:
        dispatch.description = str(data.get("description") or "").strip()
        if not dispatch.description:
            raise InvalidInput(errors={"description": [_("Describe the service to be done.")]})
    validate_instance(dispatch, exclude=["number", "contract", "customer", "created_by"])
    dispatch._history_user = actor
    dispatch.save()
    return dispatch


@transaction.atomic(durable=True)
def service_dispatch_submit(*, actor: "User", dispatch_id: int) -> ServiceDispatch:
    """Draft → submitted for the sales manager, once the first payment is in (R15)."""
    require_role(actor, *DISPATCH_AUTHORS)
    dispatch = _locked(dispatch_id, actor=actor)
    if dispatch.status != ServiceDispatchStatus.DRAFT:
        refuse_state(dispatch, _("submitted"))
    contract_for_document(actor=actor, contract_id=dispatch.contract_id)
    _require_first_payment(dispatch)
    dispatch.submit()
    dispatch.submitted_at = timezone.now()
    dispatch._history_user = actor
    dispatch.save()
    approval_request_open(document=dispatch, actor=actor)
    return dispatch


def service_dispatch_approved(*, dispatch: ServiceDispatch, actor: "User") -> None:
    """The sales manager's approval (the engine, the dispatch locked): R15 checked again."""
    _require_first_payment(dispatch)
    dispatch.approve()
    dispatch.approved_at = timezone.now()
    dispatch._history_user = actor
    dispatch.save()


@transaction.atomic(durable=True)
def service_dispatch_complete(
    *, actor: "User", dispatch_id: int, acceptance_report_no
) -> ServiceDispatch:
    """Approved → completed with the customer's acceptance report number (验收)."""
    require_role(actor, Role.SALES_CLERK, Role.SALES_MANAGER)
    dispatch = _locked(dispatch_id, actor=actor)
    report = str(acceptance_report_no or "").strip()
    if not report:
        raise InvalidInput(
            errors={"acceptance_report_no": [_("Enter the acceptance report number.")]}
        )
    if len(report) > 60:
        raise InvalidInput(errors={"acceptance_report_no": [_("At most 60 characters.")]})
    if dispatch.status != ServiceDispatchStatus.APPROVED:
        refuse_state(dispatch, _("completed"))
    dispatch.complete()
    dispatch.acceptance_report_no = report
    dispatch.completed_by = actor
    dispatch.completed_at = timezone.now()
    dispatch._history_user = actor
    dispatch.save()
    return dispatch


@transaction.atomic(durable=True)
def service_dispatch_cancel(*, actor: "User", dispatch_id: int) -> ServiceDispatch:
    require_role(actor, *DISPATCH_AUTHORS)
    dispatch = _locked(dispatch_id, actor=actor)
    if dispatch.status != ServiceDispatchStatus.DRAFT:
        refuse_state(dispatch, _("cancelled"))
    dispatch.cancel()
    dispatch._history_user = actor
    dispatch.save()
    return dispatch
