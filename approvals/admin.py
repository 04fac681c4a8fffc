"""Admin: approval policies are data, edited here (R21); requests, decisions and delegations
are shown read-only — they change only through the engine."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from approvals.models import ApprovalPolicy, ApprovalRequest, Decision, Delegation, PolicyStep
from approvals.services import approval_policies_reset
from core.errors import DomainError
from core.permissions import has_role
from core.roles import Role


class PolicyStepInline(admin.TabularInline):
    model = PolicyStep
    extra = 0
    fields = ["sequence", "role", "min_amount", "only_on_hold"]


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(SimpleHistoryAdmin):
    """Who may edit a chain: a superuser or the general manager (like the catalogue). The
    default of each chain is declared next to its document (`approvals.chains`); the action
    puts chosen policies back to it."""

    list_display = ["document_type", "name"]
    inlines = [PolicyStepInline]
    actions = ["reset_to_default"]

    @admin.action(description=_("Reset to the chain declared in the code"), permissions=["change"])
    def reset_to_default(self, request, queryset):
        try:
            policies = approval_policies_reset(
                actor=request.user, policy_ids=queryset.values_list("pk", flat=True)
            )
        except DomainError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d approval policy reset to its declared chain.",
                "%(count)d approval policies reset to their declared chains.",
                len(policies),
            )
            % {"count": len(policies)},
            messages.SUCCESS,
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and has_role(
            request.user, Role.GENERAL_MANAGER
        )

    def has_add_permission(self, request):
        return super().has_add_permission(request) and has_role(request.user, Role.GENERAL_MANAGER)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DecisionInline(admin.TabularInline):
    model = Decision
    extra = 0
    can_delete = False
    fields = ["decided_at", "user", "role", "on_behalf_of", "decision", "comment", "ip_address"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "document_type",
        "document_number",
        "customer_name",
        "amount",
        "status",
        "requested_by",
        "created_at",
    ]
    list_filter = ["status", "document_type", "on_hold"]
    search_fields = ["document_number", "customer_name", "requested_by__username"]
    list_select_related = ["requested_by"]
    date_hierarchy = "created_at"
    inlines = [DecisionInline]


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    list_display = ["delegator", "delegate", "role", "valid_from", "valid_to", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["delegator__username", "delegate__username"]
    list_select_related = ["delegator", "delegate"]
