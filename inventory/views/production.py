"""Browser pages for stock (R11, R13), production notices (R10: the planner's board, the form
with a quantity per contract line, one notice with its progress, approval and history) and goods
receipts (R11: the QC queue, the record form, confirm or reject). Rights and rules are the
services'; the pages only hide the buttons a user cannot use."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from approvals.selectors import approval_panel, documents_with_approvals
from contracts import selectors as contract_selectors
from contracts.models import ContractStatus
from core.errors import DomainError
from core.history import history_rows
from core.listing import ListFilterForm, selector_filters
from core.pages import (
    document_action,
    form_add_domain_error,
    formset_add_domain_error,
    paginate,
    querystring_without_page,
)
from core.permissions import has_role, require_role
from core.roles import Role
from core.spreadsheets import export_response
from inventory import selectors, services
from inventory.forms import (
    GoodsReceiptForm,
    ProductionLineFormSet,
    ProductionNoticeForm,
    ReceiptRejectForm,
    StockAdjustForm,
)
from inventory.models import GoodsReceiptStatus, ProductionNoticeStatus
from inventory.services.production import RECEIPT_READERS

# A notice still to be produced: its due date matters (overdue is highlighted).
OPEN_NOTICE = (
    ProductionNoticeStatus.DRAFT,
    ProductionNoticeStatus.SUBMITTED,
    ProductionNoticeStatus.RELEASED,
)


def _number(params, name: str) -> int | None:
    value = str(params.get(name, "")).strip()
    return int(value) if value.isdigit() else None


# --- stock ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def stock_list(request):
    """Stock per warehouse and product; the warehouse adjusts it here with a reason."""
    filters = {
        "warehouse": _number(request.GET, "warehouse"),
        "product": _number(request.GET, "product"),
        "search": request.GET.get("q", "").strip(),
    }
    can_adjust = has_role(request.user, Role.WAREHOUSE)
    status = 200
    form = None
    if request.method == "POST":
        require_role(request.user, Role.WAREHOUSE)
        form = StockAdjustForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.stock_adjust(
                    actor=request.user,
                    product_id=data["product"].pk,
                    warehouse_id=data["warehouse"].pk,
                    quantity=data["quantity"],
                    reason=data["reason"],
                )
                messages.success(
                    request,
                    _("Stock of %(product)s in %(warehouse)s adjusted by %(quantity)s.")
                    % {
                        "product": data["product"].code,
                        "warehouse": data["warehouse"].code,
                        "quantity": data["quantity"],
                    },
                )
                return redirect(request.get_full_path())
            except DomainError as error:
                form_add_domain_error(form, error)
                status = error.status_code
    elif can_adjust:
        form = StockAdjustForm(
            initial={"product": filters["product"], "warehouse": filters["warehouse"]}
        )
    levels = selectors.stock_list(
        product=filters["product"], warehouse=filters["warehouse"], search=filters["search"]
    )
    return render(
        request,
        "inventory/stock_list.html",
        {
            "page_obj": paginate(request, levels),
            "filters": filters,
            "query": querystring_without_page(request),
            "warehouses": selectors.warehouse_list(),
            "form": form,
        },
        status=status,
    )


# --- production notices (R10) ------------------------------------------------------------------


def _progress_summary(rows) -> dict:
    """A notice's progress bar: what was received (each line counted up to its quantity)
    against what was ordered, in whole percent."""
    ordered = sum((row["quantity"] for row in rows), Decimal("0.000"))
    received = sum((min(row["received"], row["quantity"]) for row in rows), Decimal("0.000"))
    return {
        "ordered": ordered,
        "received": received,
        "percent": int(received * 100 / ordered) if ordered else 0,
    }


def _overdue(notice, today) -> bool:
    return notice.status in OPEN_NOTICE and notice.due_date < today


@login_required
def notice_list(request):
    """The planner's board: notices by status, with due date, contract, customer and progress."""
    filter_form = ListFilterForm(request.GET, statuses=ProductionNoticeStatus.choices)
    filters = selector_filters(filter_form.values())
    filters.pop("customer_id")  # a customer is filtered by name here
    filters["contract"] = _number(request.GET, "contract")
    notices = selectors.production_notice_list(user=request.user, **filters)
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.production_notice_sheet(notices))
    page = paginate(request, notices)
    page.object_list = documents_with_approvals(page.object_list)
    progress = selectors.production_progress(page.object_list)
    today = timezone.localdate()
    rows = [
        {
            "notice": notice,
            "overdue": _overdue(notice, today),
            **_progress_summary(progress[notice.pk]),
        }
        for notice in page.object_list
    ]
    counts = dict(
        selectors.production_notice_list(user=request.user)
        .prefetch_related(None)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    tabs = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in ProductionNoticeStatus.choices
    ]
    return render(
        request,
        "inventory/production_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "tabs": tabs,
            "total": sum(counts.values()),
            "filters": filters,
            "filter_form": filter_form,
            "query": querystring_without_page(request),
            "statuses": ProductionNoticeStatus.choices,
            "can_create": has_role(request.user, Role.PLANNER),
        },
        status=400 if filter_form.errors else 200,
    )


def _active_contract(user, raw):
    """The active contract `raw` names, if `user` may see it (R23); else None."""
    pk = _number({"pk": raw}, "pk")
    if pk is None:
        return None
    return (
        contract_selectors.contract_list(user=user, status=ContractStatus.ACTIVE, with_lines=False)
        .filter(pk=pk)
        .first()
    )


def _line_formset(data, *, line_rows, quantities):
    """One form per contract line; a line with nothing left (R10: its other counted notices
    take all of it) is shown read-only, and what is posted for it is ignored."""
    formset = ProductionLineFormSet(
        data,
        prefix="lines",
        initial=[
            {"contract_line": row["line"].pk, "quantity": quantities.get(row["line"].pk)}
            for row in line_rows
        ],
    )
    for form, row in zip(formset.forms, line_rows, strict=False):
        if row["left"] <= 0:
            form.fields["quantity"].disabled = True
            form.fields["quantity"].widget.attrs["readonly"] = True
    return formset


def _lines_from(formset) -> tuple[list[dict], list[int]]:
    """The rows with a quantity, and for each the index of its form (the service names its
    errors `lines.<n>.quantity` after the rows it was given)."""
    lines, forms_at = [], []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if data.get("quantity") is not None:
            lines.append({"contract_line": data["contract_line"], "quantity": data["quantity"]})
            forms_at.append(index)
    return lines, forms_at


def _save_notice(request, *, notice, form, lines):
    data = {"due_date": form.cleaned_data["due_date"], "note": form.cleaned_data["note"]}
    if notice is None:
        return services.production_notice_create(
            actor=request.user,
            data={"contract": form.cleaned_data["contract"].pk, **data, "lines": lines},
        )
    return services.production_notice_update(
        actor=request.user, notice_id=notice.pk, data={**data, "lines": lines}
    )


def _notice_form_page(request, *, notice):
    posted = request.method == "POST"
    params = request.POST if posted else request.GET
    contract = notice.contract if notice else _active_contract(request.user, params.get("contract"))
    line_rows = selectors.production_lines_left(contract, exclude_notice=notice) if contract else []
    quantities = (
        {line.contract_line_id: line.quantity for line in notice.lines.all()} if notice else {}
    )
    lines_errors: list[str] = []
    # Rows typed for another contract than the one now chosen are shown again, empty.
    rows_match = contract is not None and params.get("lines_for") == str(contract.pk)
    if posted and request.POST.get("action") == "choose":  # without JavaScript: show the lines
        status = 200
        form = ProductionNoticeForm(
            user=request.user,
            notice=notice,
            initial={k: request.POST.get(k) for k in ("contract", "due_date", "note")},
        )
        formset = _line_formset(None, line_rows=line_rows, quantities=quantities)
    elif posted:
        form = ProductionNoticeForm(request.POST, user=request.user, notice=notice)
        formset = _line_formset(
            request.POST if rows_match else None,
            line_rows=line_rows,
            quantities=quantities,
        )
        status = 400
        if not rows_match and contract is not None:
            lines_errors.append(_("Enter the quantities for the lines of this contract."))
        elif form.is_valid() and formset.is_valid():
            lines, forms_at = _lines_from(formset)
            try:
                saved = _save_notice(request, notice=notice, form=form, lines=lines)
                messages.success(
                    request,
                    _("Production notice %(number)s saved as a draft.") % {"number": saved.number},
                )
                return redirect("production-notice-detail", pk=saved.pk)
            except DomainError as error:
                lines_errors = formset_add_domain_error(
                    form, formset, error, prefix="lines", forms_at=forms_at
                )
                status = error.status_code
    else:
        status = 200
        initial = (
            {"due_date": notice.due_date, "note": notice.note}
            if notice
            else {"contract": contract.pk if contract else None}
        )
        form = ProductionNoticeForm(user=request.user, notice=notice, initial=initial)
        formset = _line_formset(None, line_rows=line_rows, quantities=quantities)
    if "contract" in form.fields:
        form.fields["contract"].widget.attrs.update(
            {
                "hx-get": reverse("production-notice-create"),
                "hx-trigger": "change",
                "hx-target": "#notice-lines",
                "hx-select": "#notice-lines",
                "hx-swap": "outerHTML",
            }
        )
    template = "inventory/production_form.html"
    context = {
        "form": form,
        "formset": formset,
        "rows": list(zip(formset.forms, line_rows, strict=False)),
        "lines_errors": lines_errors,
        "contract": contract,
        "notice": notice,
    }
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request, pk: int | None = None):
    require_role(request.user, Role.PLANNER)  # before showing a form they cannot use
    notice = None
    if pk is not None:
        notice = selectors.production_notice_get(user=request.user, notice_id=pk)
        if notice.status != ProductionNoticeStatus.DRAFT:
            messages.error(request, _("A production notice changes only in draft."))
            return redirect("production-notice-detail", pk=notice.pk)
    return _notice_form_page(request, notice=notice)


@login_required
def notice_detail(request, pk: int):
    notice = selectors.production_notice_get(user=request.user, notice_id=pk)
    is_draft = notice.status == ProductionNoticeStatus.DRAFT
    is_planner = has_role(request.user, Role.PLANNER)
    released = notice.status == ProductionNoticeStatus.RELEASED
    progress = selectors.production_progress([notice])[notice.pk]
    return render(
        request,
        "inventory/production_detail.html",
        {
            "notice": notice,
            "progress": progress,
            "summary": _progress_summary(progress),
            "overdue": _overdue(notice, timezone.localdate()),
            "receipts": selectors.goods_receipt_list(notice=notice.pk),
            **approval_panel(user=request.user, document=notice, is_draft=is_draft),
            "is_author": is_planner,
            "can_edit": is_planner and is_draft,
            "can_complete": is_planner and released,
            "can_record": released and has_role(request.user, Role.PRODUCTION),
            "history": history_rows(notice),
        },
    )


@login_required
@require_POST
def notice_action(request, pk: int, action: str):
    """The planner's buttons: submit and cancel (draft), complete (released)."""
    actions = {
        "submit": (
            services.production_notice_submit,
            _("Production notice %(number)s submitted for the sales VP's signature."),
        ),
        "cancel": (services.production_notice_cancel, _("Production notice %(number)s cancelled.")),
        "complete": (
            services.production_notice_complete,
            _("Production notice %(number)s completed."),
        ),
    }
    if action not in actions:
        raise Http404
    service, done = actions[action]
    notice = selectors.production_notice_get(user=request.user, notice_id=pk)
    return document_action(
        request,
        document=notice,
        run=lambda n: service(actor=request.user, notice_id=n.pk),
        done=done,
        redirect_to="production-notice-detail",
    )


# --- goods receipts (R11) ----------------------------------------------------------------------


def _default_receipt_status(user) -> str:
    """QC's queue is the receipts waiting for them (R11); production sees its own work in every
    status; others, the waiting ones."""
    if has_role(user, Role.PRODUCTION) and not has_role(user, Role.QC):
        return ""
    return GoodsReceiptStatus.RECORDED


@login_required
def receipt_list(request):
    """The QC queue: for QC by default the receipts waiting for them, oldest first; for
    production every status. The status tabs always show what is filtered."""
    require_role(request.user, *RECEIPT_READERS)
    status = request.GET.get("status", _default_receipt_status(request.user))
    filters = {
        "status": status if status in GoodsReceiptStatus.values else "",
        "notice": _number(request.GET, "notice"),
        "search": request.GET.get("q", "").strip(),
    }
    receipts = selectors.goods_receipt_list(**filters)
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.goods_receipt_sheet(receipts))
    tabs = [{"value": "", "label": _("all")}] + [
        {"value": value, "label": label} for value, label in GoodsReceiptStatus.choices
    ]
    return render(
        request,
        "inventory/receipt_list.html",
        {
            "page_obj": paginate(request, receipts),
            "filters": filters,
            "tabs": tabs,
            "query": querystring_without_page(request),
            "statuses": GoodsReceiptStatus.choices,
            "can_record": has_role(request.user, Role.PRODUCTION),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def receipt_create(request):
    require_role(request.user, Role.PRODUCTION)  # before showing a form they cannot use
    status = 200
    if request.method == "POST":
        form = GoodsReceiptForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                receipt = services.goods_receipt_record(
                    actor=request.user,
                    data={
                        "product": data["product"].pk,
                        "warehouse": data["warehouse"].pk,
                        "quantity": data["quantity"],
                        "qc_certificate_no": data["qc_certificate_no"],
                        "production_notice": getattr(data["production_notice"], "pk", None),
                    },
                )
                messages.success(
                    request,
                    _("Goods receipt %(number)s recorded; QC confirms it.")
                    % {"number": receipt.number},
                )
                return redirect("goods-receipt-detail", pk=receipt.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
                status = error.status_code
    else:
        form = GoodsReceiptForm(
            initial={"production_notice": _number(request.GET, "production_notice")}
        )
    return render(request, "inventory/receipt_form.html", {"form": form}, status=status)


def _receipt_page(request, receipt, *, reject_form=None, status=200):
    waiting = receipt.status == GoodsReceiptStatus.RECORDED
    is_qc = has_role(request.user, Role.QC)
    own = receipt.created_by_id == request.user.pk
    return render(
        request,
        "inventory/receipt_detail.html",
        {
            "receipt": receipt,
            "can_decide": waiting and is_qc and not own,
            "own_receipt": waiting and is_qc and own,
            "reject_form": reject_form or ReceiptRejectForm(),
            "history": history_rows(receipt),
        },
        status=status,
    )


@login_required
def receipt_detail(request, pk: int):
    require_role(request.user, *RECEIPT_READERS)
    return _receipt_page(request, selectors.goods_receipt_get(receipt_id=pk))


@login_required
@require_POST
def receipt_action(request, pk: int, action: str):
    """QC's buttons (R11): confirm (stock goes up) or reject with a reason."""
    receipt = selectors.goods_receipt_get(receipt_id=pk)
    if action == "confirm":
        return document_action(
            request,
            document=receipt,
            run=lambda r: services.goods_receipt_confirm(actor=request.user, receipt_id=r.pk),
            done=_("Goods receipt %(number)s confirmed; the stock is up."),
            redirect_to="goods-receipt-detail",
        )
    if action != "reject":
        raise Http404
    form = ReceiptRejectForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.goods_receipt_reject(
                actor=request.user, receipt_id=receipt.pk, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request, _("Goods receipt %(number)s rejected.") % {"number": receipt.number}
            )
            return redirect("goods-receipt-detail", pk=receipt.pk)
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.status_code
    return _receipt_page(request, receipt, reject_form=form, status=status)
