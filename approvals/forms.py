"""Forms of the approval pages: they parse input; the engine's services decide (R21)."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from approvals.documents import registered_types
from approvals.models import DocumentType
from core import formats
from core.permissions import user_roles
from core.roles import Role

User = get_user_model()
COMMENT_MAX = 2000
BULK_MAX = 100  # items decided in one POST (the inbox shows 25 a page)


class InboxFilterForm(forms.Form):
    """The inbox filters (GET). An invalid value is shown beside its field and not applied."""

    type = forms.ChoiceField(label=_("Document type"), required=False)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("number or customer")}),
    )
    min_amount = formats.AmountField(
        label=_("Minimum amount"),
        required=False,
        min_value=0,
        widget=formats.AmountInput(attrs={"size": 10}),
    )
    older_than = forms.IntegerField(
        label=_("Older than (days)"),
        required=False,
        min_value=1,
        max_value=3650,
        widget=forms.NumberInput(attrs={"size": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("all")), *self.document_types()]

    @staticmethod
    def document_types() -> list[tuple[str, str]]:
        """The types that have joined the engine, in the order DocumentType lists them."""
        joined = set(registered_types())
        return [(value, label) for value, label in DocumentType.choices if value in joined]

    def filters(self) -> dict:
        """Keyword arguments for `selectors.inbox_for`, with the invalid fields left out."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        return {
            "document_type": data.get("type") or "",
            "search": (data.get("q") or "").strip(),
            "min_amount": data.get("min_amount"),
            "older_than_days": data.get("older_than"),
        }


class IdListField(forms.Field):
    """Several ids from checkboxes of the same name."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one item."),
        "invalid": _("Unknown item."),
    }

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        if isinstance(value, str):
            value = [value]
        try:
            ids = [int(v) for v in value]
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return list(dict.fromkeys(ids))  # once each, in the order given

    def validate(self, value: list[int]) -> None:
        super().validate(value)
        if len(value) > BULK_MAX:
            raise forms.ValidationError(
                _("Select at most %(max)d items at once."),
                code="too_many",
                params={"max": BULK_MAX},
            )


class BulkDecisionForm(forms.Form):
    """The inbox's action bar: approve the ticked items with one comment, or reject one."""

    APPROVE, REJECT = "approve", "reject"

    action = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))])
    ids = IdListField()
    comment = forms.CharField(
        label=pgettext_lazy("approval decision", "Comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50, "accesskey": "c"}),
        help_text=_("Optional when approving; required when rejecting."),
    )
    # The inbox's filters and page, to come back to the same list.
    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.REJECT and len(cleaned.get("ids") or []) > 1:
            raise forms.ValidationError(
                _("Reject one item at a time: each rejection needs its own reason."),
                code="reject_one",
            )
        return cleaned


class DecisionForm(forms.Form):
    """Approve or reject one request from its page; the button pressed names the decision."""

    decision = forms.ChoiceField(
        choices=[(BulkDecisionForm.APPROVE, _("Approve")), (BulkDecisionForm.REJECT, _("Reject"))]
    )
    comment = forms.CharField(
        label=pgettext_lazy("approval decision", "Comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea,
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.username})" if full_name else obj.username


class DelegationForm(forms.Form):
    """Hand one of my roles to a colleague for a date range (R21)."""

    role = forms.ChoiceField(label=_("Role"))
    delegate = UserChoiceField(
        label=pgettext_lazy("person", "Delegate"),
        queryset=User.objects.none(),
        to_field_name="username",
        empty_label=_("— choose a colleague —"),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actor: "User", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r, Role(r).label) for r in sorted(user_roles(actor))]
        self.fields["delegate"].queryset = (
            User.objects.filter(is_active=True).exclude(pk=actor.pk).order_by("username")
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date is before the start date."))
        return cleaned


class AuditFilterForm(forms.Form):
    """The audit trail's filters (issue 16)."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[
            ("", _("All")),
            ("login", _("Login")),
            ("failed_login", _("Failed login")),
            ("decision", _("Approval decision")),
        ],
    )
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    date_from = forms.DateField(label=_("From"), required=False)
    date_to = forms.DateField(label=_("To"), required=False)
