"""Admin for master data. Writes go through the same services as the pages and the API; the
credit fields are read-only and a POST carrying them is refused (R2)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from core.admin import ServiceAdminMixin
from sales import services
from sales.forms import CustomerForm
from sales.models import (
    Contact,
    CreditChangeRequest,
    Customer,
    Order,
    OrderLine,
    PriceList,
    PriceListItem,
    Product,
)


class CustomerAdminForm(CustomerForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("can_assign_owner", True)
        super().__init__(*args, **kwargs)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    form = CustomerAdminForm
    list_display = [
        "code",
        "name",
        "owner",
        "risk_level",
        "credit_limit",
        "credit_days",
        "blocked",
        "is_active",
    ]
    list_filter = ["risk_level", "blocked", "is_active", "owner"]
    search_fields = ["code", "name", "tax_id", "contact_name", "phone"]
    list_select_related = ["owner"]
    readonly_fields = [
        "credit_limit",
        "credit_days",
        "risk_level",
        "exposure",
        "blocked",
        "created_at",
        "updated_at",
    ]
    fields = [
        "code",
        "name",
        "tax_id",
        "contact_name",
        "phone",
        "email",
        "address",
        "owner",
        "is_active",
        *readonly_fields,
    ]
    inlines = [ContactInline]
    roles = services.CUSTOMER_EDITORS

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["fields"] = [f for f in self.fields if f not in self.readonly_fields]
        return super().get_form(request, obj, change, **kwargs)

    def service_save(self, request, obj, form, change):
        data = {k: v for k, v in form.cleaned_data.items() if k != "owner"}
        owner = form.cleaned_data.get("owner")
        if change:
            return services.customer_update(
                actor=request.user, customer_id=obj.pk, owner=owner, **data
            )
        return services.customer_create(actor=request.user, owner=owner, **data)


@admin.register(Product)
class ProductAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "specification", "unit", "tax_rate", "is_active"]
    list_filter = ["is_active", "unit"]
    search_fields = ["code", "name", "specification"]
    roles = services.CATALOGUE_EDITORS

    def service_save(self, request, obj, form, change):
        if change:
            return services.product_update(
                actor=request.user, product_id=obj.pk, **form.cleaned_data
            )
        return services.product_create(actor=request.user, **form.cleaned_data)


class ReadOnlyDocumentAdmin(SimpleHistoryAdmin):
    """Documents change only through their services and the approval engine: shown here,
    with their history, never edited (R21, R24)."""

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditChangeRequest)
class CreditChangeRequestAdmin(ReadOnlyDocumentAdmin):
    list_display = [
        "number",
        "customer",
        "credit_limit",
        "credit_days",
        "risk_level",
        "status",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "risk_level"]
    search_fields = ["number", "customer__name", "customer__code"]
    list_select_related = ["customer", "created_by"]


class PriceListItemInline(admin.TabularInline):
    model = PriceListItem
    extra = 0
    fields = ["product", "list_price", "floor_price"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PriceList)
class PriceListAdmin(ReadOnlyDocumentAdmin):
    list_display = ["number", "name", "valid_from", "valid_to", "commission_rate", "status"]
    list_filter = ["status"]
    search_fields = ["number", "name"]
    inlines = [PriceListItemInline]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ["product", "quantity", "unit_price", "tax_rate", "net", "tax", "gross"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(ReadOnlyDocumentAdmin):
    list_display = [
        "number",
        "customer",
        "created_by",
        "status",
        "credit_status",
        "gross_amount",
        "delivery_date",
        "delivery_place",
        "payment_method",
        "created_at",
    ]
    list_filter = ["status", "credit_status", "payment_method"]
    search_fields = ["number", "customer__name", "customer__code", "delivery_place"]
    list_select_related = ["customer", "created_by"]
    inlines = [OrderLineInline]
