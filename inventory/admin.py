from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contracts.admin import ReadOnlyMixin
from core.admin import ServiceAdminMixin
from core.roles import Role
from inventory import services
from inventory.forms import WarehouseForm
from inventory.models import (
    GoodsReceipt,
    ProductionNotice,
    ProductionNoticeLine,
    ServiceDispatch,
    ShippingNotice,
    ShippingNoticeLine,
    StockLevel,
    StockMove,
    Warehouse,
)


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


# Fulfilment documents and stock: read only. Every change goes through the services (R10–R15,
# R24); the admin shows them, their lines and history, and never adds, edits or deletes.


class ProductionNoticeLineInline(ReadOnlyMixin, admin.TabularInline):
    model = ProductionNoticeLine
    fields = ["product", "quantity"]
    readonly_fields = fields
    extra = 0


@admin.register(ProductionNotice)
class ProductionNoticeAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["number", "contract", "customer", "status", "due_date", "created_by"]
    list_filter = ["status"]
    search_fields = ["number", "contract__number", "customer__name"]
    list_select_related = ["contract", "customer", "created_by"]
    inlines = [ProductionNoticeLineInline]


@admin.register(GoodsReceipt)
class GoodsReceiptAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["number", "product", "warehouse", "quantity", "qc_certificate_no", "status"]
    list_filter = ["status", "warehouse"]
    search_fields = ["number", "qc_certificate_no", "product__code"]
    list_select_related = ["product", "warehouse"]


class ShippingNoticeLineInline(ReadOnlyMixin, admin.TabularInline):
    model = ShippingNoticeLine
    fields = ["product", "quantity", "amount"]
    readonly_fields = fields
    extra = 0


@admin.register(ShippingNotice)
class ShippingNoticeAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = [
        "number",
        "contract",
        "customer",
        "warehouse",
        "status",
        "valid_until",
        "delivery_place",
        "gate_pass_no",
        "gross_amount",
    ]
    list_filter = ["status", "warehouse"]
    search_fields = ["number", "gate_pass_no", "contract__number", "customer__name"]
    list_select_related = ["contract", "customer", "warehouse"]
    inlines = [ShippingNoticeLineInline]


@admin.register(ServiceDispatch)
class ServiceDispatchAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ["number", "contract", "customer", "status", "scheduled_on"]
    list_filter = ["status"]
    search_fields = ["number", "contract__number", "customer__name"]
    list_select_related = ["contract", "customer"]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["product", "warehouse", "on_hand", "reserved"]
    list_filter = ["warehouse"]
    search_fields = ["product__code", "product__name"]
    list_select_related = ["product", "warehouse"]


@admin.register(StockMove)
class StockMoveAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "product", "warehouse", "quantity", "reference"]
    list_filter = ["kind", "warehouse"]
    search_fields = ["product__code", "reference", "reason"]
    list_select_related = ["product", "warehouse"]
