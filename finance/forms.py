"""Forms of the finance pages: they parse input; the finance services decide."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.roles import Role
from finance.models import LitigationStatus


class AsOfForm(forms.Form):
    """The aging report's date (default today)."""

    as_of = forms.DateField(
        required=False,
        label=_("As of"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class LitigationFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"), max_length=100)
    status = forms.ChoiceField(required=False, label=_("Status"))

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["status"].choices = [
            ("", _("not closed")),
            ("all", _("all")),
            *LitigationStatus.choices,
        ]


# Who may own a litigation case: those who follow cases up and the salespeople who know the
# customer.
OWNER_ROLES = (Role.FINANCE, Role.SALES_MANAGER, Role.GENERAL_MANAGER, Role.SALES_CLERK)


class LitigationForm(forms.Form):
    """Owner, status and notes of a litigation case (R18)."""

    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(), label=_("Owner"), to_field_name="username"
    )
    status = forms.ChoiceField(label=_("Status"), choices=LitigationStatus.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, current_owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .filter(Q(groups__name__in=[str(r) for r in OWNER_ROLES]) | Q(is_superuser=True))
        )
        if current_owner is not None:
            users = users | get_user_model().objects.filter(pk=current_owner.pk)
        self.fields["owner"].queryset = users.distinct().order_by("username")
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username


class InterestRunForm(forms.Form):
    """Post a month's overdue interest now (what the task does on the 1st)."""

    period = forms.CharField(
        label=_("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
