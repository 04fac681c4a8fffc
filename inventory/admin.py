from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ServiceAdminMixin
from core.roles import Role
from inventory import services
from inventory.forms import WarehouseForm
from inventory.models import Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = WarehouseForm
    list_display = ["code", "name", "address", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    roles = (Role.GENERAL_MANAGER,)

    def service_save(self, request, obj, form, change):
        if change:
            return services.warehouse_update(
                actor=request.user, warehouse_id=obj.pk, **form.cleaned_data
            )
        return services.warehouse_create(actor=request.user, **form.cleaned_data)
