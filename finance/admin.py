"""Finance in the admin: the chart, the journal and the invoices read only (R24: posted entries
and issued invoices never change; a correction is a reversal posted by a service, a red invoice
drafted and approved through the pages or the API)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from finance.models import Account, Invoice, JournalEntry, JournalLine


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "parent"]
    search_fields = ["code", "name"]


class JournalLineInline(admin.TabularInline):
    model = JournalLine
    fields = ["account", "debit", "credit"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "date", "memo", "contract", "customer", "source_number", "reverses"]
    list_filter = ["date", "source_type"]
    search_fields = ["memo", "source_number", "contract__number", "customer__name"]
    list_select_related = ["contract", "customer", "reverses"]
    inlines = [JournalLineInline]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = [
        "id",
        "number",
        "contract",
        "customer",
        "amount",
        "tax_amount",
        "status",
        "issued_on",
        "fapiao_number",
    ]
    list_filter = ["status", "issued_on"]
    search_fields = ["number", "fapiao_number", "contract__number", "customer__name"]
    list_select_related = ["contract", "customer"]
