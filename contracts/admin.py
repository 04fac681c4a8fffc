"""Contracts in the admin: read only. Every change goes through the services (R8, R24), so
the admin shows contracts, their lines and ledgers but neither adds, edits nor deletes them."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from contracts.models import Contract, ContractLedger, ContractLine


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ContractLineInline(ReadOnlyMixin, admin.TabularInline):
    model = ContractLine
    fields = ["product", "quantity", "unit_price", "tax_rate", "net", "tax", "gross"]
    readonly_fields = fields
    extra = 0


@admin.register(Contract)
class ContractAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = [
        "id",
        "number",
        "customer",
        "salesperson",
        "status",
        "gross_amount",
        "delivery_date",
        "delivery_place",
        "payment_method",
        "signed_on",
    ]
    list_filter = ["status", "payment_method"]
    search_fields = ["number", "customer__name", "order__number"]
    list_select_related = ["customer", "salesperson"]
    inlines = [ContractLineInline]


@admin.register(ContractLedger)
class ContractLedgerAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["contract", *ContractLedger.FIGURES]
    list_select_related = ["contract"]
