"""Browser pages for orders (R3–R7): the list, the keyboard-friendly entry form for clerks
with live totals and the customer's credit position (htmx), one order with its approval and
history, and the author's buttons (submit, cancel). Rights and rules are the services'; the
pages only hide the buttons a user cannot use."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals.selectors import (
    approval_panel,
    documents_with_approvals,
)
from core.errors import DomainError
from core.history import history_rows
from core.listing import ListFilterForm, list_totals, selector_filters
from core.money import document_amounts, line_amounts
from core.pages import (
    document_action,
    formset_add_domain_error,
    paginate,
    querystring_without_page,
)
from core.permissions import has_role, require_role
from core.spreadsheets import export_response
from sales import selectors
from sales.forms import OrderForm, OrderLineFormSet
from sales.models import CreditStatus, OrderStatus
from sales.services import orders as services

ORDER_ROWS = 5  # empty line rows on a new order: a whole order without the mouse
LINE_FIELDS = ("product", "quantity", "unit_price")


def _catalogue() -> dict[int, dict]:
    """The products of today's active price list (R5), with list and floor price."""
    price_list = selectors.price_list_active(on=timezone.localdate())
    if price_list is None:
        return {}
    items = sorted(price_list.items.select_related("product").all(), key=lambda i: i.product.code)
    return {
        item.product_id: {
            "code": item.product.code,
            "name": item.product.name,
            "list": item.list_price,
            "floor": item.floor_price,
            "tax_rate": item.product.tax_rate,
        }
        for item in items
    }


def _formset(data=None, *, catalogue, initial=None):
    initial = initial or []
    formset = OrderLineFormSet(
        data, prefix="lines", initial=initial, form_kwargs={"catalogue": catalogue}
    )
    formset.extra = max(ORDER_ROWS - len(initial), 2)
    return formset


def _lines_from(formset) -> tuple[list[dict], list[int]]:
    """The filled rows, and for each the index of its form (to put the service's
    `lines.<n>.<field>` errors beside the right cell)."""
    lines, forms_at = [], []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if data.get("product"):
            lines.append({k: data[k] for k in LINE_FIELDS})
            forms_at.append(index)
    return lines, forms_at


def _priced(rows: list[dict]) -> dict:
    """Each row with its (net, tax, gross) and the order's totals, by `core.money` (DESIGN §3):
    the server computes every amount, the page never does."""
    for row in rows:
        row["net"], row["tax"], row["gross"] = line_amounts(
            quantity=row["quantity"], unit_price=row["unit_price"], tax_rate=row["tax_rate"]
        )
    net, tax, gross = document_amounts((row["net"], row["tax"], row["gross"]) for row in rows)
    return {"rows": rows, "net": net, "tax": tax, "gross": gross}


def _typed_rows(formset, catalogue) -> list[dict]:
    """The rows of a form being typed that can be priced already, as the form parsed them (a
    product of the list, a quantity above zero, a price not below zero, within the bounds of
    the form's fields); the others are skipped."""
    formset.is_valid()  # parses every row; the rows with errors are left out below
    rows = []
    for index, form in enumerate(formset.forms, start=1):
        data = getattr(form, "cleaned_data", None) or {}
        item = catalogue.get(data.get("product"))
        quantity, price = data.get("quantity"), data.get("unit_price")
        if item is None or quantity is None or price is None or quantity <= 0 or price < 0:
            continue
        rows.append(
            {
                "index": index,
                "code": item["code"],
                "quantity": quantity,
                "unit_price": price,
                "tax_rate": item["tax_rate"],
            }
        )
    return rows


# --- pages ------------------------------------------------------------------------------------


@login_required
def order_list(request):
    filter_form = ListFilterForm(request.GET, statuses=OrderStatus.choices)
    filters = selector_filters(filter_form.values())
    credit_status = request.GET.get("credit_status", "")
    filters["credit_status"] = credit_status if credit_status in CreditStatus.values else ""
    orders = selectors.order_list(user=request.user, with_lines=False, **filters)
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.order_sheet(orders))
    page = paginate(request, orders)
    page.object_list = documents_with_approvals(page.object_list)
    return render(
        request,
        "sales/order_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "filter_form": filter_form,
            "totals": list_totals(orders, gross="gross_amount"),
            "query": querystring_without_page(request),
            "credit_statuses": CreditStatus.choices,
            "can_create": has_role(request.user, *services.ORDER_AUTHORS),
        },
        status=400 if filter_form.errors else 200,
    )


@login_required
def order_detail(request, pk: int):
    order = selectors.order_get(user=request.user, order_id=pk)
    is_author = order.created_by_id == request.user.pk
    is_draft = order.status == OrderStatus.DRAFT
    panel = approval_panel(user=request.user, document=order, is_draft=is_draft)
    # Before the author's Submit button: what R4's check would say if it were submitted now.
    outlook = (
        selectors.order_credit_outlook(customer=order.customer, amount=order.gross_amount)
        if is_author and is_draft
        else None
    )
    return render(
        request,
        "sales/order_detail.html",
        {
            "order": order,
            "customer": order.customer,
            **panel,
            "is_author": is_author,
            "can_edit": is_author and is_draft,
            "can_cancel": is_author and order.status in (OrderStatus.DRAFT, OrderStatus.SUBMITTED),
            "history": history_rows(order),
            "outlook": outlook,
        },
    )


def _save(request, *, order, form, formset, submit: bool):
    """Create or update the draft; "save and submit" is one service, so a refusal of the
    submit leaves nothing written either (R25)."""
    lines = _lines_from(formset)[0]
    data = dict(form.cleaned_data)
    customer = data.pop("customer", None)
    if submit:
        return services.order_save_and_submit(
            actor=request.user,
            order_id=order.pk if order is not None else None,
            customer_id=customer.pk if customer is not None else None,
            lines=lines,
            **data,
        )
    if order is None:
        return services.order_create(
            actor=request.user, customer_id=customer.pk, lines=lines, **data
        )
    return services.order_update(actor=request.user, order_id=order.pk, lines=lines, **data)


def _form_page(request, *, order):
    catalogue = _catalogue()
    lines_errors: list[str] = []
    if request.method == "POST":
        form = OrderForm(request.POST, user=request.user, order=order)
        formset = _formset(request.POST, catalogue=catalogue)
        submit = request.POST.get("action") == "submit"
        if form.is_valid() and formset.is_valid():
            forms_at = _lines_from(formset)[1]
            try:
                saved = _save(request, order=order, form=form, formset=formset, submit=submit)
                if submit:
                    done = (
                        _("Order %(number)s submitted; it is on credit hold.")
                        if saved.credit_status == CreditStatus.HOLD
                        else _("Order %(number)s submitted for approval.")
                    )
                else:
                    done = _("Order %(number)s saved as a draft.")
                messages.success(request, done % {"number": saved.number})
                return redirect("order-detail", pk=saved.pk)
            except DomainError as error:
                lines_errors = formset_add_domain_error(
                    form, formset, error, prefix="lines", forms_at=forms_at
                )
        customer = form.cleaned_data.get("customer") if hasattr(form, "cleaned_data") else None
        rows = _typed_rows(formset, catalogue)
    else:
        form = OrderForm(
            user=request.user,
            order=order,
            initial=(
                {field: getattr(order, field) for field in OrderForm.INITIAL_FROM_ORDER}
                if order is not None
                else {}
            ),
        )
        lines = list(order.lines.all()) if order is not None else []
        formset = _formset(
            catalogue=catalogue,
            initial=[
                {k: getattr(line, f"{k}_id" if k == "product" else k) for k in LINE_FIELDS}
                for line in lines
            ],
        )
        customer = None
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
    if order is not None:
        customer = order.customer
    totals = _priced(rows)
    return render(
        request,
        "sales/order_form.html",
        {
            "form": form,
            "formset": formset,
            "lines_errors": lines_errors,
            "order": order,
            "catalogue_empty": not catalogue,
            "totals": totals,
            **_credit_panel(customer, totals["gross"]),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def order_create(request):
    require_role(request.user, *services.ORDER_AUTHORS)  # before showing a form they cannot use
    return _form_page(request, order=None)


@login_required
@require_http_methods(["GET", "POST"])
def order_edit(request, pk: int):
    order = selectors.order_get(user=request.user, order_id=pk)
    if order.created_by_id != request.user.pk or order.status != OrderStatus.DRAFT:
        messages.error(request, _("Only the salesperson may change an order, and only in draft."))
        return redirect("order-detail", pk=order.pk)
    return _form_page(request, order=order)


def _credit_panel(customer, gross) -> dict:
    """The credit panel's context: the customer's position and whether an order of `gross`
    would pass R4's check at submit, by the selector the service decides with."""
    if customer is None:
        return {"customer": None, "credit": None, "outlook": None}
    return {
        "customer": customer,
        "credit": selectors.customer_credit(customer=customer),
        "outlook": selectors.order_credit_outlook(customer=customer, amount=gross),
    }


def _typed_customer(request, data):
    """The customer of the form being typed, among those the user may see (R23): the chosen
    one on a new order, the order's on an edited one (the form sends it as `customer`)."""
    raw = str(data.get("customer", ""))
    if not raw.isdigit():
        return None
    return selectors.customer_list(user=request.user).filter(pk=raw).first()


def _typed_gross(data, catalogue):
    if "lines-TOTAL_FORMS" not in data:
        return _priced([])["gross"]
    return _priced(_typed_rows(_formset(data, catalogue=catalogue), catalogue))["gross"]


@login_required
@require_POST
def order_totals(request):
    """The totals partial for the entry form (htmx): amounts computed here, never in JS; with
    the credit panel swapped out of band, so its warning follows the lines as they are typed."""
    catalogue = _catalogue()
    totals = _priced(_typed_rows(_formset(request.POST, catalogue=catalogue), catalogue))
    # The quotation form shares this partial; its total is the quotation's (R27).
    totals_for = "quotation" if request.POST.get("totals_for") == "quotation" else "order"
    response = render(
        request, "sales/_order_totals.html", {"totals": totals, "totals_for": totals_for}
    )
    customer = _typed_customer(request, request.POST)
    if customer is not None:
        panel = render(
            request,
            "sales/_order_credit.html",
            {**_credit_panel(customer, totals["gross"]), "oob": True},
        )
        response.content += panel.content
    return response


@login_required
@require_GET
def order_credit(request):
    """The credit panel for the chosen customer (htmx): limit, exposure, available, overdue,
    and whether the order as typed (its lines, when sent along) would go on credit hold."""
    customer = _typed_customer(request, request.GET)
    gross = _typed_gross(request.GET, _catalogue()) if customer is not None else None
    return render(request, "sales/_order_credit.html", _credit_panel(customer, gross))


def _act(request, pk: int, *, run, done: str):
    order = selectors.order_get(user=request.user, order_id=pk)
    return document_action(request, document=order, run=run, done=done, redirect_to="order-detail")


@login_required
@require_POST
def order_submit(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda o: services.order_submit(actor=request.user, order_id=o.pk),
        done=_("Order %(number)s submitted for approval."),
    )


@login_required
@require_POST
def order_cancel(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda o: services.order_cancel(actor=request.user, order_id=o.pk),
        done=_("Order %(number)s cancelled."),
    )
