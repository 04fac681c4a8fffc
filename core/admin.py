from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.models import Holiday
from core.permissions import has_role
from core.roles import Role

admin.site.site_header = _("O2C administration")
admin.site.site_title = _("O2C administration")


class ServiceAdminMixin:
    """ModelAdmin whose saves go through the app's service (same rules as pages and API).

    Subclasses set `roles` (who may add/change) and implement `service_save`. Deleting is not
    offered: master data is deactivated, documents are reversed (R24).
    """

    roles: tuple = ()

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and has_role(request.user, *self.roles)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and has_role(request.user, *self.roles)

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Without the transaction Django's admin opens around a save: the services' own are
        durable (a transaction belongs to the service), so nothing may wrap them."""
        return self._changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        saved = self.service_save(request, obj, form, change)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def service_save(self, request, obj, form, change):
        raise NotImplementedError


@admin.register(admin.models.LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    """The working-day calendar (R26): holidays and 调休 make-up working days, kept by the
    general manager (or a superuser); everyone staff may read it."""

    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return has_role(request.user, Role.GENERAL_MANAGER)

    def has_change_permission(self, request, obj=None):
        return has_role(request.user, Role.GENERAL_MANAGER)

    def has_delete_permission(self, request, obj=None):
        return has_role(request.user, Role.GENERAL_MANAGER)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff
