"""Forms of the shipping pages (R12–R14). They parse input only; the rules (over_shipment,
validity, signing date, scan type and size) are the services'."""

import datetime

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from contracts import selectors as contract_selectors
from contracts.models import ContractStatus
from inventory.models import Warehouse
from inventory.services.shipping import DEFAULT_VALIDITY_DAYS

SCAN_ACCEPT = ".pdf,.jpg,.jpeg,.png"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ShippingNoticeForm(forms.Form):
    """The notice's header. The contract is chosen on a new notice only (among the clerk's
    active contracts, R23); choosing one reloads the lines for it (htmx)."""

    contract = forms.ModelChoiceField(queryset=None, label=gettext_lazy("contract"))
    warehouse = forms.ModelChoiceField(queryset=None, label=gettext_lazy("warehouse"))
    valid_until = forms.DateField(
        label=gettext_lazy("valid until"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Default: 7 days from today (R12)."),
    )
    note = forms.CharField(
        label=gettext_lazy("note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    def __init__(self, *args, user, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["warehouse"].queryset = Warehouse.objects.filter(is_active=True).order_by(
            "code"
        )
        if notice is not None:
            del self.fields["contract"]
            return
        field = self.fields["contract"]
        field.queryset = contract_selectors.contract_list(
            user=user, status=ContractStatus.ACTIVE, with_lines=False
        )
        field.widget.attrs.update(
            {
                "autofocus": True,
                "hx-get": reverse("shipping-notice-create"),
                "hx-trigger": "change",
                "hx-target": "#notice-lines",
                "hx-select": "#notice-lines",
                "hx-swap": "outerHTML",
            }
        )


def default_valid_until() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS)


class ShippingLineForm(forms.Form):
    """One row per contract line: the quantity to ship now (empty: not on this notice)."""

    contract_line = forms.IntegerField(widget=forms.HiddenInput)
    quantity = forms.DecimalField(
        label=gettext_lazy("quantity"),
        max_digits=18,
        decimal_places=3,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 10, "class": "quantity"}),
    )


ShippingLineFormSet = forms.formset_factory(ShippingLineForm, extra=0)


class DeliveryForm(forms.Form):
    """The customer-signed copy (R14): who signed, when, and the scan."""

    signed_by = forms.CharField(label=gettext_lazy("signed by"), max_length=100)
    signed_at = forms.DateField(label=pgettext_lazy("delivery", "signed on"), widget=DateInput())
    scan = forms.FileField(
        label=gettext_lazy("signed copy (scan)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": SCAN_ACCEPT}),
        help_text=gettext_lazy("PDF, JPEG or PNG."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_by"].widget.attrs["autofocus"] = True
