"""Browser pages for invoices (R17): the list with its filters, totals and XLSX export; the
request form (a contract, what it has collected against its threshold, what is left to
invoice, the amount defaulting to it) with the contracts ready to invoice; one invoice with
its figures, approval and history and the buttons — submit, cancel, red invoice, record the
fapiao — and the invoice request PDF (开票通知单). Rights and rules are the services'; the
pages only hide the buttons a user cannot use."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from approvals.selectors import approval_panel, documents_with_approvals
from contracts import selectors as contract_selectors
from contracts.models import ContractStatus
from core.errors import DomainError
from core.history import history_rows
from core.listing import ListFilterForm, selector_filters
from core.pages import document_action, form_add_domain_error, paginate, querystring_without_page
from core.permissions import has_role, require_role
from core.spreadsheets import export_response
from finance import selectors, services
from finance.forms import FapiaoForm, InvoiceForm, RedInvoiceForm
from finance.models import ISSUED_STATUSES, InvoiceStatus
from finance.pdf import invoice_request_pdf_response
from finance.services.invoices import INVOICE_AUTHORS

_FLAGS = {"red": True, "blue": False, "recorded": True, "missing": False}


@login_required
def invoice_list(request):
    require_role(request.user, *selectors.INVOICE_READERS)
    filter_form = ListFilterForm(request.GET, statuses=InvoiceStatus.choices)
    filters = selector_filters(filter_form.values())
    contract = request.GET.get("contract", "").strip()
    filters["contract"] = int(contract) if contract.isdigit() else None
    filters["red"] = _FLAGS.get(request.GET.get("kind", ""))
    filters["fapiao"] = _FLAGS.get(request.GET.get("fapiao", ""))
    invoices = selectors.invoice_list(user=request.user, **filters)
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.invoice_sheet(invoices))
    page = paginate(request, invoices)
    page.object_list = documents_with_approvals(page.object_list)
    return render(
        request,
        "finance/invoice_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filter_form": filter_form,
            "kind": request.GET.get("kind", ""),
            "fapiao": request.GET.get("fapiao", ""),
            "totals": selectors.invoice_totals(invoices),
            "query": querystring_without_page(request),
            "can_create": has_role(request.user, *INVOICE_AUTHORS),
        },
        status=400 if filter_form.errors else 200,
    )


def _chosen_contract(request):
    """The active contract chosen (POST) or preselected / changed (`?contract=`, the htmx
    reload) among those the user may see (R23); else None."""
    raw = str(request.POST.get("contract") or request.GET.get("contract") or "").strip()
    if not raw.isdigit():
        return None
    return (
        contract_selectors.contract_list(
            user=request.user, status=ContractStatus.ACTIVE, with_lines=False
        )
        .filter(pk=int(raw))
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def invoice_create(request):
    """Request an invoice (finance): from the contract page (`?contract=`), the home card or
    the list."""
    require_role(request.user, *INVOICE_AUTHORS)  # before showing a form they cannot use
    contract = _chosen_contract(request)
    figures = selectors.invoice_figures(contract=contract) if contract is not None else None
    status = 200
    if request.method == "POST":
        form = InvoiceForm(request.POST, user=request.user)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                invoice = services.invoice_create(
                    actor=request.user,
                    contract_id=data["contract"].pk,
                    amount=data["amount"],
                    buyer_bank=data["buyer_bank"],
                    buyer_account=data["buyer_account"],
                    note=data["note"],
                )
                messages.success(
                    request,
                    _("Invoice %(number)s saved as a draft.") % {"number": invoice.display_number},
                )
                return redirect("invoice-detail", pk=invoice.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
                status = error.status_code
    else:
        form = InvoiceForm(
            user=request.user,
            initial={
                "contract": contract.pk if contract else None,
                "amount": figures["room"] if figures and figures["room"] > 0 else None,
            },
        )
    return render(
        request,
        "finance/invoice_form.html",
        {
            "form": form,
            "contract": contract,
            "figures": figures,
            "to_request": selectors.contracts_to_invoice(user=request.user)[:50],
        },
        status=status,
    )


def _detail_page(request, invoice, *, fapiao_form=None, status=200):
    is_draft = invoice.status == InvoiceStatus.DRAFT
    is_author = has_role(request.user, *INVOICE_AUTHORS)
    figures = selectors.invoice_figures(contract=invoice.contract, exclude_id=invoice.pk)
    red = invoice.red_invoices.exclude(status=InvoiceStatus.CANCELLED).first()
    waiting = invoice.status in (InvoiceStatus.DRAFT, InvoiceStatus.SUBMITTED)
    return render(
        request,
        "finance/invoice_detail.html",
        {
            "invoice": invoice,
            "contract": invoice.contract,
            "figures": figures,
            "red": red,
            # R17: submitting or approving now would be refused; say so once, plainly.
            "threshold_missing": waiting and not invoice.is_red and not figures["threshold_met"],
            **approval_panel(user=request.user, document=invoice, is_draft=is_draft),
            "can_edit": is_author and is_draft,
            "can_red": is_author
            and invoice.status == InvoiceStatus.ISSUED
            and not invoice.is_red
            and red is None,
            "can_record_fapiao": is_author
            and invoice.status in ISSUED_STATUSES
            and not invoice.fapiao_number,
            "fapiao_form": fapiao_form or FapiaoForm(),
            "red_form": RedInvoiceForm(),
            "history": history_rows(invoice),
        },
        status=status,
    )


@login_required
def invoice_detail(request, pk: int):
    require_role(request.user, *selectors.INVOICE_READERS)
    return _detail_page(request, selectors.invoice_get(user=request.user, invoice_id=pk))


@login_required
def invoice_pdf(request, pk: int):
    require_role(request.user, *selectors.INVOICE_READERS)
    return invoice_request_pdf_response(selectors.invoice_get(user=request.user, invoice_id=pk))


@login_required
@require_POST
def invoice_action(request, pk: int, action: str):
    """Finance's buttons: submit and cancel (draft), a red invoice (issued: the new draft's
    page follows), and the fapiao (issued), whose refusal is shown on its form."""
    require_role(request.user, *selectors.INVOICE_READERS)
    invoice = selectors.invoice_get(user=request.user, invoice_id=pk)
    actions = {
        "submit": (
            services.invoice_submit,
            _("Invoice %(number)s submitted to the VP of finance."),
        ),
        "cancel": (services.invoice_cancel, _("Invoice %(number)s cancelled.")),
    }
    if action in actions:
        service, done = actions[action]
        return document_action(
            request,
            document=invoice,
            run=lambda i: service(actor=request.user, invoice_id=i.pk),
            done=done,
            redirect_to="invoice-detail",
            # A draft has no number yet: it is called as on its page.
            message_args=lambda saved: {"number": saved.display_number},
        )
    if action == "red":
        form = RedInvoiceForm(request.POST)
        form.is_valid()
        try:
            red = services.invoice_red_create(
                actor=request.user,
                invoice_id=invoice.pk,
                note=form.cleaned_data.get("note", ""),
            )
        except DomainError as error:
            reasons = [m for msgs in error.errors.values() for m in msgs]
            messages.error(request, " ".join([error.detail, *reasons]))
            return redirect("invoice-detail", pk=invoice.pk)
        messages.success(
            request,
            _("Red invoice %(red)s drafted to reverse %(number)s; submit it for approval.")
            % {"red": red.display_number, "number": invoice.display_number},
        )
        return redirect("invoice-detail", pk=red.pk)
    if action != "fapiao":
        raise Http404
    form = FapiaoForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.invoice_fapiao_record(
                actor=request.user,
                invoice_id=invoice.pk,
                fapiao_number=form.cleaned_data["fapiao_number"],
                fapiao_date=form.cleaned_data["fapiao_date"],
            )
            messages.success(
                request,
                _("Fapiao %(fapiao)s recorded on invoice %(number)s.")
                % {"fapiao": form.cleaned_data["fapiao_number"], "number": invoice.display_number},
            )
            return redirect("invoice-detail", pk=invoice.pk)
        except DomainError as error:
            form_add_domain_error(form, error)
            status = error.status_code
    return _detail_page(request, invoice, fapiao_form=form, status=status)
