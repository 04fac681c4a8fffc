"""Browser pages for shipping notices (R12), the warehouse's picking list and outbound (R13),
the security gate check, the clerk's signed delivery (R14), and the PDFs (发货单 with the
customer's copy to sign, 出门证). Rights and rules are the services'; the pages only hide the
buttons a user cannot use and show a refusal where it happened."""

import mimetypes
import os

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from approvals.selectors import approval_panel, documents_with_approvals
from contracts import selectors as contract_selectors
from contracts.models import ContractStatus
from core.errors import DomainError, NotVisible
from core.history import history_rows
from core.listing import ListFilterForm, list_totals, selector_filters
from core.pages import (
    LATE_FIELD,
    document_action,
    form_add_domain_error,
    formset_add_domain_error,
    offer_late_booking,
    paginate,
    querystring_without_page,
)
from core.permissions import has_role, require_role
from core.roles import Role
from core.spreadsheets import export_response
from inventory import selectors, services
from inventory.forms import (
    DeliveryForm,
    ShippingLineFormSet,
    ShippingNoticeForm,
    default_valid_until,
)
from inventory.models import SHIPPING_OUT, ShippingNoticeStatus, Warehouse
from inventory.pdf import gate_pass_pdf_response, shipping_notice_pdf_response
from inventory.services.shipping import NOTICE_AUTHORS


def _number(raw) -> int | None:
    raw = str(raw or "").strip()
    return int(raw) if raw.isdigit() else None


# --- the list, the clerk's form and the detail (R12) -------------------------------------------


@login_required
def notice_list(request):
    filter_form = ListFilterForm(request.GET, statuses=ShippingNoticeStatus.choices)
    filters = selector_filters(filter_form.values())
    filters["customer"] = filters.pop("customer_id")
    filters["contract"] = _number(request.GET.get("contract"))
    notices = selectors.shipping_notice_list(user=request.user, **filters)
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.shipping_notice_sheet(notices))
    page = paginate(request, notices)
    page.object_list = documents_with_approvals(page.object_list)
    return render(
        request,
        "inventory/shipping_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filter_form": filter_form,
            "totals": list_totals(notices, gross="gross_amount"),
            "query": querystring_without_page(request),
            "can_create": has_role(request.user, *NOTICE_AUTHORS),
        },
        status=400 if filter_form.errors else 200,
    )


def _contract_for_form(request, notice):
    """The notice's contract, or the active contract of the clerk's chosen (POST) or
    preselected (`?contract=`) — None when none of theirs is chosen."""
    if notice is not None:
        return notice.contract
    contract_id = _number(request.POST.get("contract") or request.GET.get("contract"))
    if contract_id is None:
        return None
    return (
        contract_selectors.contract_list(
            user=request.user, status=ContractStatus.ACTIVE, with_lines=False
        )
        .filter(pk=contract_id)
        .first()
    )


def _lines_formset(request, *, contract, notice):
    """One row per contract line with what is contracted, shipped or on open notices, and
    left (R12); the quantity is the notice's, when editing."""
    rows = selectors.contract_lines_left(contract) if contract is not None else []
    current = (
        {line.contract_line_id: line.quantity for line in notice.lines.all()} if notice else {}
    )
    initial = [
        {"contract_line": row["line"].pk, "quantity": current.get(row["line"].pk)} for row in rows
    ]
    data = request.POST if request.method == "POST" else None
    formset = ShippingLineFormSet(data, prefix="lines", initial=initial)
    return rows, formset


def _lines_from(formset) -> tuple[list[dict], list[int]]:
    """The rows with a quantity, and for each the index of its form (to put the service's
    `lines.<n>.quantity` errors beside the right row)."""
    lines, forms_at = [], []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if data.get("quantity") is not None:
            lines.append({"contract_line": data["contract_line"], "quantity": data["quantity"]})
            forms_at.append(index)
    return lines, forms_at


def _save(request, *, notice, form, lines, submit: bool):
    """Create or update the draft and, when asked, submit it: "save and submit" is one service
    (one transaction), so a refusal of either (`over_shipment`, `customer_overdue`) leaves
    nothing written (R25)."""
    data = {
        "warehouse": form.cleaned_data["warehouse"].pk,
        "valid_until": form.cleaned_data["valid_until"],
        "delivery_place": form.cleaned_data["delivery_place"],
        "note": form.cleaned_data["note"],
        "lines": lines,
    }
    if notice is None:
        data["contract"] = form.cleaned_data["contract"].pk
    if submit:
        return services.shipping_notice_save_and_submit(
            actor=request.user, notice_id=getattr(notice, "pk", None), data=data
        )
    if notice is None:
        return services.shipping_notice_create(actor=request.user, data=data)
    return services.shipping_notice_update(actor=request.user, notice_id=notice.pk, data=data)


def _form_page(request, *, notice):
    contract = _contract_for_form(request, notice)
    rows, formset = _lines_formset(request, contract=contract, notice=notice)
    lines_errors: list[str] = []
    status = 200
    if request.method == "POST":
        form = ShippingNoticeForm(request.POST, user=request.user, notice=notice)
        submit = request.POST.get("action") == "submit"
        status = 400
        if form.is_valid() and formset.is_valid():
            lines, forms_at = _lines_from(formset)
            try:
                saved = _save(request, notice=notice, form=form, lines=lines, submit=submit)
                done = (
                    _("Shipping notice %(number)s submitted for approval.")
                    if submit
                    else _("Shipping notice %(number)s saved as a draft.")
                )
                messages.success(request, done % {"number": saved.number})
                return redirect("shipping-notice-detail", pk=saved.pk)
            except DomainError as error:
                status = error.status_code
                lines_errors = formset_add_domain_error(
                    form, formset, error, prefix="lines", forms_at=forms_at
                )
    elif notice is not None:
        form = ShippingNoticeForm(
            user=request.user,
            notice=notice,
            initial={
                "warehouse": notice.warehouse_id,
                "valid_until": notice.valid_until,
                "delivery_place": notice.delivery_place,
                "note": notice.note,
            },
        )
    else:
        form = ShippingNoticeForm(
            user=request.user,
            initial={
                "contract": contract.pk if contract else None,
                "valid_until": default_valid_until(),
                "delivery_place": contract.delivery_place if contract else "",
            },
        )
    return render(
        request,
        "inventory/shipping_form.html",
        {
            "form": form,
            "formset": formset,
            "line_rows": list(zip(rows, formset.forms, strict=False)),
            "lines_errors": lines_errors,
            "notice": notice,
            "contract": contract,
        },
        status=status,
    )


def _is_clerk(user) -> bool:
    return has_role(user, *NOTICE_AUTHORS)


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request, pk: int | None = None):
    require_role(request.user, *NOTICE_AUTHORS)  # before showing a form they cannot use
    if pk is None:
        return _form_page(request, notice=None)
    notice = selectors.shipping_notice_get(user=request.user, notice_id=pk)
    if notice.status != ShippingNoticeStatus.DRAFT:
        messages.error(request, _("A shipping notice can be changed only in draft."))
        return redirect("shipping-notice-detail", pk=notice.pk)
    return _form_page(request, notice=notice)


@login_required
def notice_detail(request, pk: int):
    notice = selectors.shipping_notice_get(user=request.user, notice_id=pk)
    user = request.user
    state = notice.status
    is_draft = state == ShippingNoticeStatus.DRAFT
    is_clerk = _is_clerk(user)
    panel = approval_panel(user=user, document=notice, is_draft=is_draft)
    return render(
        request,
        "inventory/shipping_detail.html",
        {
            "notice": notice,
            "lines": notice.lines.all(),
            **panel,
            "is_author": is_clerk,
            "can_edit": is_clerk and is_draft,
            "can_submit": is_clerk and is_draft,
            "can_cancel": state in (ShippingNoticeStatus.DRAFT, ShippingNoticeStatus.APPROVED)
            and (notice.created_by_id == user.pk or has_role(user, Role.SALES_MANAGER)),
            "can_issue": state == ShippingNoticeStatus.APPROVED and has_role(user, Role.WAREHOUSE),
            "can_exit": state == ShippingNoticeStatus.ISSUED and has_role(user, Role.SECURITY),
            "can_deliver": state == ShippingNoticeStatus.SHIPPED and is_clerk,
            "is_out": state in SHIPPING_OUT,
            "expired": state == ShippingNoticeStatus.APPROVED
            and notice.valid_until < timezone.localdate(),
            "history": history_rows(notice),
        },
    )


@login_required
@require_POST
def notice_action(request, pk: int, action: str):
    """A button on the notice's page or the picking list: submit, cancel (R12), issue (R13,
    warehouse) or exit (R13, security). A refusal changes nothing and says why."""
    notice = selectors.shipping_notice_get(user=request.user, notice_id=pk)
    actor = request.user
    simple = {
        "submit": (
            services.shipping_notice_submit,
            _("Shipping notice %(number)s submitted for approval."),
        ),
        "cancel": (services.shipping_notice_cancel, _("Shipping notice %(number)s cancelled.")),
    }
    if action in simple:
        service, done = simple[action]
        return document_action(
            request,
            document=notice,
            run=lambda n: service(actor=actor, notice_id=n.pk),
            done=done,
            redirect_to="shipping-notice-detail",
        )
    # Issue and exit name the gate pass the service issued; an issue from the picking list goes
    # back there.
    runs = {
        "issue": (
            lambda n: services.shipping_notice_issue(actor=actor, notice_id=n.pk),
            _("Shipping notice %(number)s issued: gate pass %(gate_pass)s."),
        ),
        "exit": (
            lambda n: services.shipping_notice_exit(
                actor=actor,
                notice_id=n.pk,
                gate_pass_no=request.POST.get("gate_pass_no") or None,
            ),
            _("Exit of %(number)s recorded (gate pass %(gate_pass)s)."),
        ),
    }
    if action not in runs:
        raise NotVisible()
    run, done = runs[action]
    from_picking = request.POST.get("next") == "picking-list"

    def back(saved, ok):
        if not from_picking:
            return reverse("shipping-notice-detail", kwargs={"pk": saved.pk})
        return f"{reverse('picking-list')}?issued={saved.pk}" if ok else reverse("picking-list")

    return document_action(
        request,
        document=notice,
        run=run,
        done=done,
        redirect_to=back,
        message_args=lambda saved: {"gate_pass": saved.gate_pass_no},
    )


# --- the warehouse's picking list (R13) ---------------------------------------------------------


@login_required
def picking_list(request):
    require_role(request.user, Role.WAREHOUSE)
    warehouse = _number(request.GET.get("warehouse"))
    issued_id = _number(request.GET.get("issued"))
    issued = None
    if issued_id is not None:
        issued = (
            selectors.shipping_notice_list(user=request.user)
            .filter(pk=issued_id, status__in=SHIPPING_OUT)
            .first()
        )
    return render(
        request,
        "inventory/picking_list.html",
        {
            "rows": selectors.picking_list(warehouse=warehouse),
            "warehouses": Warehouse.objects.filter(is_active=True).order_by("code"),
            "warehouse": warehouse,
            "issued": issued,
        },
    )


# --- security's gate check (R13) ---------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def gate_check(request):
    """One input for the gate pass number (typed, or a scanner's number + Enter): the lookup
    shows the shipment; the confirm button records the exit."""
    require_role(request.user, Role.SECURITY)
    source = request.POST if request.method == "POST" else request.GET
    number = source.get("gate_pass_no", "").strip()
    notice, error, status = None, None, 200
    if request.method == "POST":
        try:
            done = services.gate_exit(actor=request.user, gate_pass_no=number)
            messages.success(
                request,
                _("Exit recorded: gate pass %(gate_pass)s, %(number)s for %(customer)s.")
                % {
                    "gate_pass": done.gate_pass_no,
                    "number": done.number,
                    "customer": done.customer.name,
                },
            )
            return redirect("gate-check")
        except DomainError as refused:
            error, status = refused, refused.status_code
    if number:
        try:
            notice = selectors.shipping_notice_by_gate_pass(number)
        except DomainError as refused:
            error = error or refused
            status = refused.status_code if status == 200 else status
    # A pass shown again after the goods left: say when and by whom, not a generic refusal
    # (the service refuses a second exit, R13).
    already_left = notice is not None and notice.exited_at is not None
    if already_left and error is not None and error.code == "invalid_transition":
        error = None
    return render(
        request,
        "inventory/gate_check.html",
        {
            "number": number,
            "notice": notice,
            "lines": notice.lines.select_related("product") if notice else [],
            "can_confirm": notice is not None
            and notice.status == ShippingNoticeStatus.ISSUED
            and error is None,
            "already_left": already_left,
            "errors": _gate_errors(error),
        },
        status=status,
    )


def _gate_errors(error: DomainError | None) -> list[str]:
    if error is None:
        return []
    beside = error.errors.get("gate_pass_no", [])
    others = [m for field, msgs in error.errors.items() if field != "gate_pass_no" for m in msgs]
    return [*beside, *([] if error.code == "invalid" else [error.detail]), *others]


# --- the clerk's signed delivery (R14) ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def delivery_confirm(request, pk: int):
    notice = selectors.shipping_notice_get(user=request.user, notice_id=pk)
    require_role(request.user, *NOTICE_AUTHORS)
    status = 200
    if request.method == "POST":
        form = DeliveryForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            try:
                services.shipping_notice_confirm_delivery(
                    actor=request.user,
                    notice_id=notice.pk,
                    signed_by=form.cleaned_data["signed_by"],
                    signed_at=form.cleaned_data["signed_at"],
                    scan=form.cleaned_data["scan"],
                    book_in_open_period=form.cleaned_data.get(LATE_FIELD, False),
                )
                messages.success(
                    request,
                    _("Delivery of %(number)s confirmed: the shipment is now revenue.")
                    % {"number": notice.number},
                )
                return redirect("shipping-notice-detail", pk=notice.pk)
            except DomainError as error:
                status = error.status_code
                form_add_domain_error(form, error)
                offer_late_booking(form, error, field="signed_at")
    else:
        if notice.status != ShippingNoticeStatus.SHIPPED:
            messages.error(
                request,
                _("%(number)s is %(status)s: only a shipment that left the gate is confirmed.")
                % {"number": notice.number, "status": notice.get_status_display()},
            )
            return redirect("shipping-notice-detail", pk=notice.pk)
        form = DeliveryForm(initial={"signed_at": timezone.localdate()})
    return render(
        request,
        "inventory/delivery_form.html",
        {"form": form, "notice": notice, "lines": notice.lines.all()},
        status=status,
    )


@login_required
def delivery_scan(request, pk: int):
    """The stored scan of the signed copy, for those who may see the notice (R23)."""
    notice = selectors.shipping_notice_get(user=request.user, notice_id=pk)
    name = notice.signed_scan.name if notice.signed_scan else ""
    if not name or not notice.signed_scan.storage.exists(name):
        raise NotVisible()
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(
        notice.signed_scan.storage.open(name, "rb"),
        content_type=content_type,
        filename=os.path.basename(name),
    )


# --- PDFs ---------------------------------------------------------------------------------------


@login_required
def notice_pdf(request, pk: int):
    return shipping_notice_pdf_response(
        selectors.shipping_notice_get(user=request.user, notice_id=pk)
    )


@login_required
def gate_pass_pdf(request, pk: int):
    """Issued, shipped or delivered notices only (404 before the warehouse issues it)."""
    return gate_pass_pdf_response(selectors.shipping_notice_get(user=request.user, notice_id=pk))
