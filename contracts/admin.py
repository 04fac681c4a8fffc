"""Contracts in the admin: read only. Every change goes through the services (R8, R24), so
the admin shows contracts, their lines and ledgers but neither adds, edits nor deletes them.
The clauses contracts print are edited here by the general manager: each save is a new
version, through `clause_set_save`."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin

from contracts import services
from contracts.models import (
    CLAUSE_PLACEHOLDERS,
    Contract,
    ContractClause,
    ContractClauseSet,
    ContractLedger,
    ContractLine,
    clause_unknown_placeholders,
)
from core.admin import ServiceAdminMixin


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


class ContractClauseForm(forms.ModelForm):
    class Meta:
        model = ContractClause
        fields = ["position", "heading", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "cols": 90})}

    def clean_text(self):
        text = self.cleaned_data["text"]
        unknown = clause_unknown_placeholders(text)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder: %(names)s. The text may name: %(known)s.")
                % {
                    "names": ", ".join(unknown),
                    "known": ", ".join(f"{{{name}}}" for name in CLAUSE_PLACEHOLDERS),
                }
            )
        return text


class ContractClauseInline(admin.TabularInline):
    model = ContractClause
    form = ContractClauseForm
    extra = 0
    min_num = 1
    ordering = ["position", "id"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.validate_min = True
        return formset

    def has_delete_permission(self, request, obj=None):
        # Removing a clause is part of the new version the save writes.
        return super().has_change_permission(request, obj)


class ContractClauseSetForm(forms.ModelForm):
    # Not the model's `is_active`: the service retires the active version when it saves a new
    # active one, so the form does not check "one active" against the version it replaces.
    activate = forms.BooleanField(
        label=ContractClauseSet._meta.get_field("is_active").verbose_name,
        required=False,
        initial=True,
    )

    class Meta:
        model = ContractClauseSet
        fields = ["name", "warranty_months", "acceptance_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["activate"].initial = self.instance.is_active


@admin.register(ContractClauseSet)
class ContractClauseSetAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    """Saving writes a new version with the clauses in their positions' order; the version
    edited stays as it was for the contracts drafted with it."""

    form = ContractClauseSetForm
    list_display = ["name", "version", "is_active", "created_by", "created_at"]
    list_filter = ["is_active"]
    fields = ["name", "version", "warranty_months", "acceptance_days", "activate"]
    readonly_fields = ["version", "created_by", "created_at"]
    inlines = [ContractClauseInline]
    roles = services.CLAUSE_EDITORS

    def get_fields(self, request, obj=None):
        return [*self.fields, "created_by", "created_at"] if obj else self.fields

    def save_model(self, request, obj, form, change):
        """Written with its clauses in `save_related`: a version is saved whole."""

    def save_related(self, request, form, formsets, change):
        rows = [
            f.cleaned_data
            for formset in formsets
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        rows.sort(key=lambda row: (row["position"] is None, row["position"] or 0))
        data = form.cleaned_data
        saved = services.clause_set_save(
            actor=request.user,
            name=data["name"],
            warranty_months=data["warranty_months"],
            acceptance_days=data["acceptance_days"],
            is_active=data["activate"],
            clauses=[{"heading": row["heading"], "text": row["text"]} for row in rows],
            based_on_id=form.instance.pk if change else None,
        )
        form.instance.pk = saved.pk
        form.instance.refresh_from_db()
        for formset in formsets:  # what the change message reads from a saved formset
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
