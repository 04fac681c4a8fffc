from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from core.pages import form_add_domain_error, paginate, querystring_without_page
from core.permissions import has_role
from core.roles import Role
from inventory import selectors, services
from inventory.forms import WarehouseForm
from inventory.models import Warehouse


@login_required
def warehouse_list(request):
    search = request.GET.get("q", "").strip()
    return render(
        request,
        "inventory/warehouse_list.html",
        {
            "page_obj": paginate(request, selectors.warehouse_list(search=search)),
            "search": search,
            "query": querystring_without_page(request),
            "can_edit": has_role(request.user, Role.GENERAL_MANAGER),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def warehouse_edit(request, pk: int | None = None):
    warehouse = Warehouse.objects.filter(pk=pk).first() if pk else None
    if pk and warehouse is None:
        raise Http404
    if request.method == "POST":
        form = WarehouseForm(request.POST, instance=warehouse)
        if form.is_valid():
            try:
                if warehouse is None:
                    saved = services.warehouse_create(actor=request.user, **form.cleaned_data)
                else:
                    saved = services.warehouse_update(
                        actor=request.user, warehouse_id=warehouse.pk, **form.cleaned_data
                    )
                messages.success(request, _("Warehouse %(code)s saved.") % {"code": saved.code})
                return redirect("warehouse-list")
            except DomainError as error:
                form_add_domain_error(form, error)
    else:
        form = WarehouseForm(instance=warehouse)
    return render(
        request,
        "core/object_form.html",
        {"form": form, "object": warehouse, "title": _("Warehouse"), "back": "warehouse-list"},
        status=400 if request.method == "POST" else 200,
    )
