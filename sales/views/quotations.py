"""Browser pages for quotations and bids 报价/投标 (R27): the list, the entry form (lines like an
order's, R5), one quotation with its approval and outcome, the salesperson's buttons (submit,
cancel, won, lost, to-order) and the Chinese PDF. Rights and rules are the services'
(`sales.services.quotations`); the pages only hide the buttons a user cannot use."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from approvals.selectors import approval_panel, documents_with_approvals
from core.errors import DomainError
from core.history import history_rows
from core.listing import ListFilterForm
from core.pages import (
    document_action,
    formset_add_domain_error,
    paginate,
    querystring_without_page,
)
from core.permissions import has_role, require_role
from sales import selectors
from sales.forms import QuotationForm, QuotationLostForm, QuotationToOrderForm
from sales.models import QuotationStatus
from sales.pdf import quotation_pdf_bytes
from sales.services import quotations as services
from sales.views.orders import LINE_FIELDS, _catalogue, _formset, _lines_from, _priced, _typed_rows


@login_required
def quotation_list(request):
    filter_form = ListFilterForm(request.GET, statuses=QuotationStatus.choices)
    values = filter_form.values()
    quotations = selectors.quotation_list(
        user=request.user,
        search=values.get("search", ""),
        status=values.get("status", ""),
        with_lines=False,
    )
    page = paginate(request, quotations)
    page.object_list = documents_with_approvals(page.object_list)
    return render(
        request,
        "sales/quotation_list.html",
        {
            "page_obj": page,
            "filter_form": filter_form,
            "query": querystring_without_page(request),
            "can_create": has_role(request.user, *services.QUOTATION_AUTHORS),
        },
        status=400 if filter_form.errors else 200,
    )


@login_required
def quotation_detail(request, pk: int):
    quotation = selectors.quotation_get(user=request.user, quotation_id=pk)
    status = quotation.status
    is_author = quotation.created_by_id == request.user.pk
    panel = approval_panel(
        user=request.user, document=quotation, is_draft=status == QuotationStatus.DRAFT
    )
    return render(
        request,
        "sales/quotation_detail.html",
        {
            "quotation": quotation,
            **panel,
            "is_author": is_author,
            "can_edit": is_author and status == QuotationStatus.DRAFT,
            "can_cancel": is_author
            and status in (QuotationStatus.DRAFT, QuotationStatus.SUBMITTED),
            "can_decide_outcome": is_author and status == QuotationStatus.APPROVED,
            "can_order": is_author and status == QuotationStatus.WON and not quotation.order_id,
            # A lead not yet converted becomes a customer on to-order (R26): its tax id then.
            "needs_tax_id": quotation.customer_id is None,
            "lost_form": QuotationLostForm(),
            "to_order_form": QuotationToOrderForm(),
            "history": history_rows(quotation),
        },
    )


def _save(request, *, quotation, form, formset):
    lines = _lines_from(formset)[0]
    data = dict(form.cleaned_data)
    customer, lead = data.pop("customer", None), data.pop("lead", None)
    if quotation is None:
        return services.quotation_create(
            actor=request.user,
            customer=customer.pk if customer is not None else None,
            lead=lead.pk if lead is not None else None,
            lines=lines,
            **data,
        )
    return services.quotation_update(
        actor=request.user, quotation_id=quotation.pk, lines=lines, **data
    )


def _initial_party(request) -> dict:
    """?customer=<id> or ?lead=<id> (the buttons on the customer's and the lead's pages)
    preselect the party; the form's choices are the user's own (R23)."""
    return {
        name: request.GET[name]
        for name in ("customer", "lead")
        if request.GET.get(name, "").isdigit()
    }


def _form_page(request, *, quotation):
    catalogue = _catalogue()
    lines_errors: list[str] = []
    if request.method == "POST":
        form = QuotationForm(request.POST, user=request.user, quotation=quotation)
        formset = _formset(request.POST, catalogue=catalogue)
        if form.is_valid() and formset.is_valid():
            forms_at = _lines_from(formset)[1]
            try:
                saved = _save(request, quotation=quotation, form=form, formset=formset)
                messages.success(
                    request, _("Quotation %(number)s saved as a draft.") % {"number": saved.number}
                )
                return redirect("quotation-detail", pk=saved.pk)
            except DomainError as error:
                lines_errors = formset_add_domain_error(
                    form, formset, error, prefix="lines", forms_at=forms_at
                )
        rows = _typed_rows(formset, catalogue)
    else:
        initial = (
            {field: getattr(quotation, field) for field in QuotationForm.INITIAL_FROM_QUOTATION}
            if quotation is not None
            else _initial_party(request)
        )
        form = QuotationForm(user=request.user, quotation=quotation, initial=initial)
        lines = list(quotation.lines.all()) if quotation is not None else []
        formset = _formset(
            catalogue=catalogue,
            initial=[
                {k: getattr(line, f"{k}_id" if k == "product" else k) for k in LINE_FIELDS}
                for line in lines
            ],
        )
        rows = [
            {
                "index": index,
                "code": line.product.code,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "tax_rate": line.tax_rate,
            }
            for index, line in enumerate(lines, start=1)
        ]
    return render(
        request,
        "sales/quotation_form.html",
        {
            "form": form,
            "formset": formset,
            "lines_errors": lines_errors,
            "quotation": quotation,
            "catalogue_empty": not catalogue,
            "totals": _priced(rows),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def quotation_create(request):
    require_role(request.user, *services.QUOTATION_AUTHORS)
    return _form_page(request, quotation=None)


@login_required
@require_http_methods(["GET", "POST"])
def quotation_edit(request, pk: int):
    quotation = selectors.quotation_get(user=request.user, quotation_id=pk)
    if quotation.created_by_id != request.user.pk or quotation.status != QuotationStatus.DRAFT:
        messages.error(
            request, _("Only the salesperson may change a quotation, and only in draft.")
        )
        return redirect("quotation-detail", pk=quotation.pk)
    return _form_page(request, quotation=quotation)


def _act(request, pk: int, *, run, done: str):
    quotation = selectors.quotation_get(user=request.user, quotation_id=pk)
    return document_action(
        request, document=quotation, run=run, done=done, redirect_to="quotation-detail"
    )


@login_required
@require_POST
def quotation_submit(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda q: services.quotation_submit(actor=request.user, quotation_id=q.pk),
        done=_("Quotation %(number)s submitted for approval."),
    )


@login_required
@require_POST
def quotation_cancel(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda q: services.quotation_cancel(actor=request.user, quotation_id=q.pk),
        done=_("Quotation %(number)s cancelled."),
    )


@login_required
@require_POST
def quotation_won(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda q: services.quotation_won(actor=request.user, quotation_id=q.pk),
        done=_("Quotation %(number)s won."),
    )


@login_required
@require_POST
def quotation_lost(request, pk: int):
    reason = request.POST.get("reason", "")  # required and bounded by the service, by name
    return _act(
        request,
        pk,
        run=lambda q: services.quotation_lost(actor=request.user, quotation_id=q.pk, reason=reason),
        done=_("Quotation %(number)s recorded as lost."),
    )


@login_required
@require_POST
def quotation_to_order(request, pk: int):
    """A won quotation becomes a draft order (R27); on to the order's page, or back with why
    not (nothing written)."""
    quotation = selectors.quotation_get(user=request.user, quotation_id=pk)
    form = QuotationToOrderForm(request.POST)
    tax_id = form.cleaned_data["tax_id"] if form.is_valid() else None
    try:
        order = services.quotation_to_order(
            actor=request.user, quotation_id=quotation.pk, tax_id=tax_id or None
        )
    except DomainError as error:
        reasons = [m for msgs in error.errors.values() for m in msgs]
        messages.error(request, " ".join([error.detail, *reasons]))
        return redirect("quotation-detail", pk=quotation.pk)
    messages.success(
        request,
        _("Quotation %(number)s is now draft order %(order)s.")
        % {"number": quotation.number, "order": order.number},
    )
    return redirect("order-detail", pk=order.pk)


@login_required
def quotation_pdf(request, pk: int):
    quotation = selectors.quotation_get(user=request.user, quotation_id=pk)
    response = HttpResponse(quotation_pdf_bytes(quotation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{quotation.number}.pdf"'
    return response
