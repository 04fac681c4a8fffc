"""Finance in the admin: the chart and the journal read only (R24: posted entries never change;
a correction is a reversal posted by a service)."""

from django.contrib import admin

from finance.models import (
    Account,
    BankStatement,
    BankStatementLine,
    JournalEntry,
    JournalLine,
    PayerMapping,
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
