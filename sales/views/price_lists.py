"""Browser pages for price lists (R5, R6): list, draft with item rows, edit a draft, submit to
the general manager, withdraw, close; one list with its approval and change history (R24).
Rights and rules are the services'; the pages only hide the buttons a user cannot use."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from approvals.selectors import (
    approval_panel,
    documents_with_approvals,
)
from core.errors import DomainError, PermissionRefused
from core.pages import (
    document_action,
    formset_add_domain_error,
    paginate,
    querystring_without_page,
)
from core.permissions import has_role
from core.roles import Role
from sales.forms import PriceListForm, PriceListItemFormSet
from sales.models import PriceList, PriceListStatus, Product
from sales.selectors import price_list_get, price_list_history, price_lists_for_page
from sales.services import price_lists as services

NEW_LIST_ROWS = 5


def _product_choices() -> list[tuple]:
    """The active products, read once for every row of the form."""
    return [("", "---------")] + [
        (p.pk, str(p)) for p in Product.objects.filter(is_active=True).order_by("code")
    ]


def _items_from(formset) -> tuple[list[dict], list[int]]:
    """The filled, not removed rows, and for each the index of its form (to put the
    service's `items.<n>.<field>` errors beside the right row)."""
    items, forms_at = [], []
    for index, form in enumerate(formset.forms):
        data = form.cleaned_data
        if data.get("product") and not data.get("DELETE"):
            items.append({k: data[k] for k in ("product", "list_price", "floor_price")})
            forms_at.append(index)
    return items, forms_at


def _refuse_unless_author_role(user) -> None:
    if not has_role(user, *services.AUTHORS):
        raise PermissionRefused(
            detail=_(
                "Only a sales manager, the head of sales or the general manager drafts price lists."
            )
        )


def _form_page(request, *, price_list: PriceList | None):
    choices = _product_choices()
    if request.method == "POST":
        form = PriceListForm(request.POST)
        formset = PriceListItemFormSet(
            request.POST, prefix="items", form_kwargs={"product_choices": choices}
        )
        items_errors: list[str] = []
        if form.is_valid() and formset.is_valid():
            items, forms_at = _items_from(formset)
            try:
                if price_list is None:
                    saved = services.price_list_create(
                        actor=request.user, items=items, **form.cleaned_data
                    )
                    done = _("Price list %(number)s saved as a draft. Submit it for approval.")
                else:
                    saved = services.price_list_update(
                        actor=request.user,
                        price_list_id=price_list.pk,
                        items=items,
                        **form.cleaned_data,
                    )
                    done = _("Price list %(number)s saved.")
                messages.success(request, done % {"number": saved.number})
                return redirect("price-list-detail", pk=saved.pk)
            except DomainError as error:
                items_errors = formset_add_domain_error(
                    form, formset, error, prefix="items", forms_at=forms_at
                )
    else:
        items_errors = []
        if price_list is None:
            form = PriceListForm()
            formset = PriceListItemFormSet(prefix="items", form_kwargs={"product_choices": choices})
            formset.extra = NEW_LIST_ROWS
        else:
            form = PriceListForm(
                initial={
                    "name": price_list.name,
                    "valid_from": price_list.valid_from,
                    "valid_to": price_list.valid_to,
                    "commission_rate": price_list.commission_rate,
                }
            )
            formset = PriceListItemFormSet(
                prefix="items",
                form_kwargs={"product_choices": choices},
                initial=[
                    {
                        "product": item.product_id,
                        "list_price": item.list_price,
                        "floor_price": item.floor_price,
                    }
                    for item in price_list.items.all()
                ],
            )
    return render(
        request,
        "sales/price_list_form.html",
        {
            "form": form,
            "formset": formset,
            "items_errors": items_errors,
            "price_list": price_list,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- pages ------------------------------------------------------------------------------------


@login_required
def price_list_list(request):
    filters = {"search": request.GET.get("q", "").strip(), "status": request.GET.get("status", "")}
    if filters["status"] not in PriceListStatus.values:
        filters["status"] = ""
    page = paginate(request, price_lists_for_page(**filters))
    page.object_list = documents_with_approvals(page.object_list)
    return render(
        request,
        "sales/price_list_list.html",
        {
            "page_obj": page,
            "filters": filters,
            "query": querystring_without_page(request),
            "statuses": PriceListStatus.choices,
            "can_create": has_role(request.user, *services.AUTHORS),
        },
    )


@login_required
def price_list_detail(request, pk: int):
    price_list = price_list_get(price_list_id=pk)
    is_author = price_list.created_by_id == request.user.pk
    is_draft = price_list.status == PriceListStatus.DRAFT
    panel = approval_panel(user=request.user, document=price_list, is_draft=is_draft)
    return render(
        request,
        "sales/price_list_detail.html",
        {
            "price_list": price_list,
            "items": price_list.items.all(),
            **panel,
            "is_author": is_author,
            "can_edit": is_author and is_draft,
            "can_withdraw": is_author and panel["pending"] is not None,
            "can_close": price_list.status == PriceListStatus.ACTIVE
            and has_role(request.user, Role.GENERAL_MANAGER),
            "history": price_list_history(price_list=price_list),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def price_list_create(request):
    _refuse_unless_author_role(request.user)
    return _form_page(request, price_list=None)


@login_required
@require_http_methods(["GET", "POST"])
def price_list_edit(request, pk: int):
    price_list = price_list_get(price_list_id=pk)
    if request.method == "GET" and (
        price_list.created_by_id != request.user.pk or price_list.status != PriceListStatus.DRAFT
    ):
        messages.error(request, _("Only the author may change a price list, and only in draft."))
        return redirect("price-list-detail", pk=price_list.pk)
    return _form_page(request, price_list=price_list)


def _act(request, pk: int, *, run, done: str):
    return document_action(
        request,
        document=price_list_get(price_list_id=pk),
        run=run,
        done=done,
        redirect_to="price-list-detail",
    )


@login_required
@require_POST
def price_list_submit(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda p: services.price_list_submit(actor=request.user, price_list_id=p.pk),
        done=_("Price list %(number)s submitted to the general manager."),
    )


@login_required
@require_POST
def price_list_close(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda p: services.price_list_close(actor=request.user, price_list_id=p.pk),
        done=_("Price list %(number)s closed."),
    )


@login_required
@require_POST
def price_list_withdraw(request, pk: int):
    return _act(
        request,
        pk,
        run=lambda p: services.price_list_withdraw(actor=request.user, price_list_id=p.pk),
        done=_("Price list %(number)s withdrawn to draft."),
    )
