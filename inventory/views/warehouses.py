from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.pages import object_form_page, paginate, querystring_without_page
from core.permissions import has_role, require_role
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
    require_role(request.user, Role.GENERAL_MANAGER)  # DESIGN §2: the GM maintains warehouses
    warehouse = get_object_or_404(Warehouse, pk=pk) if pk else None

    def save(data):
        if warehouse is None:
            return services.warehouse_create(actor=request.user, **data)
        return services.warehouse_update(actor=request.user, warehouse_id=warehouse.pk, **data)

    return object_form_page(
        request,
        form_class=WarehouseForm,
        instance=warehouse,
        save=save,
        title=_("Warehouse"),
        back="warehouse-list",
        saved_message=_("Warehouse %(code)s saved."),
    )
