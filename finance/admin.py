"""Finance in the admin: the chart and the journal read only (R24: posted entries never change;
a correction is a reversal posted by a service)."""

from django.contrib import admin

from finance.models import Account, InterestPosting, JournalEntry, JournalLine, LitigationCase


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
