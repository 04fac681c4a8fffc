"""Finance in the admin: the chart, the journal and the invoices read only (R24: posted entries
and issued invoices never change; a correction is a reversal posted by a service, a red invoice
drafted and approved through the pages or the API)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from finance.models import (
    Account,
    Allocation,
    BankStatement,
    BankStatementLine,
    InterestPosting,
    Invoice,
    JournalEntry,
    JournalLine,
    LitigationCase,
    PayerMapping,
    Receipt,
)


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


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    can_delete = False
    fields = ["contract", "amount", "allocated_on", "reversed", "created_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    """Receipts read only (R16, R24): recorded, allocated and reversed by finance through the
    pages or the API, which keep the ledger, the exposure and the journal with them."""

    list_display = ["number", "customer", "received_on", "method", "amount", "allocated", "status"]
    list_filter = ["status", "method"]
    search_fields = ["number", "reference", "customer__name", "bill_number"]
    inlines = [AllocationInline]


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


# --- bank statements (issue 12 item 4): read only; lines become receipts only through the
# confirm service. A payer mapping may be deleted (forgotten), never edited here: confirming a
# line to another customer moves it.


class BankStatementLineInline(admin.TabularInline):
    model = BankStatementLine
    fields = ["row", "date", "amount", "payer", "reference", "customer", "status", "receipt"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BankStatement)
class BankStatementAdmin(ReadOnlyAdmin):
    list_display = ["id", "filename", "status", "uploaded_by", "uploaded_at"]
    list_filter = ["status"]
    search_fields = ["filename", "lines__payer", "lines__reference"]
    list_select_related = ["uploaded_by"]
    inlines = [BankStatementLineInline]


@admin.register(PayerMapping)
class PayerMappingAdmin(ReadOnlyAdmin):
    list_display = ["payer", "customer", "updated_by", "updated_at"]
    search_fields = ["payer", "customer__name"]
    list_select_related = ["customer", "updated_by"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(InterestPosting)
class InterestPostingAdmin(ReadOnlyAdmin):
    """A month's interest posted on a contract (R18): final, like the entry it posted."""

    list_display = ["period", "contract", "amount", "entry", "posted_by", "posted_at"]
    list_filter = ["period"]
    search_fields = ["contract__number", "contract__customer__name"]
    list_select_related = ["contract", "entry", "posted_by"]


@admin.register(LitigationCase)
class LitigationCaseAdmin(ReadOnlyAdmin):
    """Read here; owner, notes and status are edited on the litigation page (R18)."""

    list_display = ["contract", "owner", "amount", "oldest_due_on", "status", "opened_at"]
    list_filter = ["status"]
    search_fields = ["contract__number", "contract__customer__name", "notes"]
    list_select_related = ["contract", "owner"]
