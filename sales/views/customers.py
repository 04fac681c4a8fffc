"""Browser pages for customers and products: parse, call one service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.history import history_rows
from core.pages import (
    form_add_domain_error,
    object_form_page,
    paginate,
    querystring_without_page,
)
from core.permissions import has_role, require_role, sees_all_customers
from core.spreadsheets import export_response
from core.tabular import table_rows
from sales import selectors, services
from sales.forms import ContactFormSet, CustomerForm, ImportForm, ProductForm
from sales.models import Product, RiskLevel
from sales.services.credit import PROPOSERS as CREDIT_PROPOSERS
from sales.services.quotations import QUOTATION_AUTHORS


def _customer_filters(params) -> dict:
    return {
        "search": params.get("q", "").strip(),
        "risk_level": params.get("risk_level", ""),
        "owner": params.get("owner", "").strip(),
        # ?blocked=1: the customers the nightly review blocked (the home page links here, R4).
        "blocked": True if params.get("blocked") == "1" else None,
    }


@login_required
def customer_list(request):
    filters = _customer_filters(request.GET)
    page = paginate(request, selectors.customer_list(user=request.user, **filters))
    return render(
        request,
        "sales/customer_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "query": querystring_without_page(request),
            "risk_levels": RiskLevel.choices,
            "can_create": has_role(request.user, *services.CUSTOMER_EDITORS),
        },
    )


@login_required
def customer_detail(request, pk: int):
    customer = selectors.customer_get(user=request.user, customer_id=pk)
    return render(
        request,
        "sales/customer_detail.html",
        {
            "customer": customer,
            "credit": selectors.customer_credit(customer=customer),
            "can_edit": has_role(request.user, *services.CUSTOMER_EDITORS),
            # R2: the requests that changed (or would change) the credit, and R24 history.
            "credit_changes": selectors.customer_credit_changes(customer=customer),
            "can_propose_credit_change": has_role(request.user, *CREDIT_PROPOSERS),
            "can_quote": customer.is_active and has_role(request.user, *QUOTATION_AUTHORS),
            "history": history_rows(customer),
        },
    )


def _contacts_from(formset) -> list[dict]:
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.has_changed()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int | None = None):
    require_role(request.user, *services.CUSTOMER_EDITORS)  # before showing a form they cannot use
    customer = selectors.customer_get(user=request.user, customer_id=pk) if pk else None
    can_assign = sees_all_customers(request.user)
    if request.method == "POST":
        form = CustomerForm(request.POST, instance=customer, can_assign_owner=can_assign)
        formset = ContactFormSet(request.POST, prefix="contacts")
        if form.is_valid() and formset.is_valid():
            data = {k: v for k, v in form.cleaned_data.items()}
            owner = data.pop("owner", None)
            try:
                if customer is None:
                    saved = services.customer_create(
                        actor=request.user, owner=owner, contacts=_contacts_from(formset), **data
                    )
                    messages.success(
                        request, _("Customer %(code)s created.") % {"code": saved.code}
                    )
                else:
                    saved = services.customer_update(
                        actor=request.user,
                        customer_id=customer.pk,
                        owner=owner,
                        contacts=_contacts_from(formset),
                        **data,
                    )
                    messages.success(request, _("Customer %(code)s saved.") % {"code": saved.code})
                return redirect("customer-detail", pk=saved.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
    else:
        form = CustomerForm(instance=customer, can_assign_owner=can_assign)
        initial = [
            {"name": c.name, "title": c.title, "phone": c.phone, "email": c.email}
            for c in (customer.contacts.all() if customer else [])
        ]
        formset = ContactFormSet(prefix="contacts", initial=initial)
    return render(
        request,
        "sales/customer_form.html",
        {"form": form, "formset": formset, "customer": customer},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def customer_export(request):
    """The customer list as a spreadsheet: the list's filters, the customers `user` sees (R23)."""
    customers = selectors.customer_list(user=request.user, **_customer_filters(request.GET))
    return export_response(
        request.GET.get("file_format", "csv"), selectors.customer_sheet(customers)
    )


def _import_page(request, *, kind: str, run, read, list_url: str):
    result_errors = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                rows = read(table_rows(form.cleaned_data["file"]))
                result = run(actor=request.user, rows=rows)
                messages.success(
                    request,
                    _("Imported: %(created)d created, %(updated)d updated.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect(list_url)
            except DomainError as error:
                if list(error.errors) == ["file"]:
                    form_add_domain_error(form, error)
                else:
                    form.add_error(None, error.detail)
                    result_errors = error.errors
    else:
        form = ImportForm()
    return render(
        request,
        "core/import.html",
        {"form": form, "kind": kind, "row_errors": result_errors, "list_url": list_url},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def customer_import(request):
    return _import_page(
        request,
        kind=_("customers"),
        run=services.customers_import,
        read=selectors.customer_import_rows,
        list_url="customer-list",
    )


@login_required
def product_list(request):
    search = request.GET.get("q", "").strip()
    page = paginate(request, selectors.product_list(search=search))
    return render(
        request,
        "sales/product_list.html",
        {
            "page_obj": page,
            "search": search,
            "query": querystring_without_page(request),
            "can_edit": has_role(request.user, *services.CATALOGUE_EDITORS),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, pk: int | None = None):
    require_role(request.user, *services.CATALOGUE_EDITORS)  # DESIGN §2: the GM maintains products
    product = get_object_or_404(Product, pk=pk) if pk else None

    def save(data):
        if product is None:
            return services.product_create(actor=request.user, **data)
        return services.product_update(actor=request.user, product_id=product.pk, **data)

    return object_form_page(
        request,
        form_class=ProductForm,
        instance=product,
        save=save,
        title=_("Product"),
        back="product-list",
        saved_message=_("Product %(code)s saved."),
    )


@login_required
def product_export(request):
    """The product list as a spreadsheet, with the list's search."""
    products = selectors.product_list(search=request.GET.get("q", "").strip())
    return export_response(request.GET.get("file_format", "csv"), selectors.product_sheet(products))


@login_required
@require_http_methods(["GET", "POST"])
def product_import(request):
    require_role(request.user, *services.CATALOGUE_EDITORS)
    return _import_page(
        request,
        kind=_("products"),
        run=services.products_import,
        read=selectors.product_import_rows,
        list_url="product-list",
    )


@login_required
def customer_names(request):
    """The names of up to 20 customers the user may see (R23) matching what was typed: the
    `<option>`s of the lists' customer filter (htmx fills its `<datalist>`)."""
    typed = request.GET.get("customer", "").strip()
    names = selectors.customer_list(user=request.user, search=typed).values_list("name", flat=True)
    return render(request, "sales/_customer_names.html", {"names": names[:20]})
