"""Browser forms for inventory. They parse input only: every rule (roles, quantities within the
contract, the first payment, reasons, validity, signing date, scan type and size) is the
services', and their refusals are shown on these forms by `core.pages.form_add_domain_error` /
`formset_add_domain_error`."""

import datetime

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from contracts import selectors as contract_selectors
from contracts.models import ContractStatus
from core import formats
from core.pages import keep_late_booking
from inventory.models import (
    DEFAULT_VALIDITY_DAYS,
    ProductionNotice,
    ProductionNoticeStatus,
    Warehouse,
)
from sales import selectors as sales_selectors

SCAN_ACCEPT = ".pdf,.jpg,.jpeg,.png"


class WarehouseForm(forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ["code", "name", "address", "is_active"]

    def validate_unique(self):
        """Uniqueness is the service's job (it also handles the race)."""


def _quantity(label, *, required=True, help_text=""):
    """A quantity (3 places) within what every database keeps (core.money), the error beside
    the field; its sign and its other bounds are the services' rules."""
    return formats.QuantityField(
        label=label,
        required=required,
        help_text=help_text,
        widget=formats.QuantityInput(attrs={"size": 10, "class": "quantity"}),
    )


def _day(label):
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}))


class DateInput(forms.DateInput):
    """A browser date picker that shows a bound value as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_number} {obj.customer.name}"


class ProductionNoticeChoiceField(forms.ModelChoiceField):
    """A released notice as production knows it: its number, contract and customer."""

    def label_from_instance(self, obj):
        return f"{obj.number} · {obj.contract.display_number} · {obj.customer.name}"


def _active_contracts(user):
    """The active contracts `user` may see (R23: a clerk, those of the customers they own)."""
    return contract_selectors.contract_list(
        user=user, status=ContractStatus.ACTIVE, with_lines=False
    )


def _active_products():
    return sales_selectors.product_list(active=True)


def _active_warehouses():
    return Warehouse.objects.filter(is_active=True).order_by("code")


class StockAdjustForm(forms.Form):
    """A counted correction (盘点调整) by the warehouse: ± quantity with a reason."""

    product = forms.ModelChoiceField(queryset=None, label=_("product"))
    warehouse = forms.ModelChoiceField(queryset=None, label=_("warehouse"))
    quantity = _quantity(_("quantity"), help_text=_("Negative to take stock out."))
    reason = forms.CharField(label=_("reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _active_products()
        self.fields["warehouse"].queryset = _active_warehouses()


class ProductionNoticeForm(forms.Form):
    """The header of a production notice (R10); the contract only when it is new."""

    contract = ContractChoiceField(queryset=None, label=_("contract"))
    due_date = _day(_("due date"))
    note = forms.CharField(
        label=_("note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    def __init__(self, *args, user, notice=None, **kwargs):
        super().__init__(*args, **kwargs)
        if notice is None:
            self.fields["contract"].queryset = _active_contracts(user)
        else:
            del self.fields["contract"]


class ProductionLineForm(forms.Form):
    """One contract line's quantity on the notice; empty = not on the notice."""

    contract_line = forms.IntegerField(widget=forms.HiddenInput)
    quantity = _quantity(_("quantity"), required=False)


ProductionLineFormSet = forms.formset_factory(ProductionLineForm, extra=0, max_num=200)


class GoodsReceiptForm(forms.Form):
    """What production hands to the warehouse, with the QC certificate number (R11)."""

    product = forms.ModelChoiceField(queryset=None, label=_("product"))
    warehouse = forms.ModelChoiceField(queryset=None, label=_("warehouse"))
    quantity = _quantity(_("quantity"))
    qc_certificate_no = forms.CharField(label=_("QC certificate no."), max_length=60)
    production_notice = ProductionNoticeChoiceField(
        queryset=None,
        label=_("production notice"),
        required=False,
        help_text=_("Optional: the released production notice the goods were made for."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _active_products()
        self.fields["warehouse"].queryset = _active_warehouses()
        # Only a released notice is produced against (R10): not a completed or cancelled one.
        self.fields["production_notice"].queryset = (
            ProductionNotice.objects.filter(status=ProductionNoticeStatus.RELEASED)
            .select_related("contract", "customer")
            .order_by("due_date", "id")
        )


class ReceiptRejectForm(forms.Form):
    """QC's rejection (R11): the reason is required (the service says so too)."""

    reason = forms.CharField(
        label=_("reason for rejection"),
        max_length=300,
        error_messages={"required": _("Say why the receipt is rejected.")},
        widget=forms.TextInput(attrs={"size": 40}),
    )


class ServiceDispatchForm(forms.Form):
    """A service dispatch (R15): the contract only when it is new."""

    contract = ContractChoiceField(queryset=None, label=_("contract"))
    scheduled_on = _day(_("scheduled on"))
    description = forms.CharField(
        label=_("description"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )

    def __init__(self, *args, user, dispatch=None, **kwargs):
        super().__init__(*args, **kwargs)
        if dispatch is None:
            self.fields["contract"].queryset = _active_contracts(user)
            # Choosing a contract reloads its first payment and what is collected (R15).
            self.fields["contract"].widget.attrs.update(
                {
                    "hx-get": reverse("service-dispatch-create"),
                    "hx-trigger": "change",
                    "hx-target": "#first-payment",
                    "hx-select": "#first-payment",
                    "hx-swap": "outerHTML",
                }
            )
        else:
            del self.fields["contract"]


class DispatchCompleteForm(forms.Form):
    acceptance_report_no = forms.CharField(
        label=_("acceptance report no."),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"size": 20}),
    )


# --- shipping notices (R12) and the signed delivery (R14) ----------------------------------------


class ShippingNoticeForm(forms.Form):
    """The notice's header. The contract is chosen on a new notice only (among the clerk's
    active contracts, R23); choosing one reloads the lines for it (htmx)."""

    contract = forms.ModelChoiceField(queryset=None, label=_("contract"))
    warehouse = forms.ModelChoiceField(queryset=None, label=_("warehouse"))
    valid_until = forms.DateField(
        label=_("valid until"),
        required=False,
        widget=DateInput(),
        help_text=_("Default: 7 days from today."),
    )
    delivery_place = forms.CharField(
        label=_("delivery place"),
        required=False,
        max_length=200,
        help_text=_("Empty: the contract's delivery place."),
    )
    note = forms.CharField(
        label=_("note"),
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
    quantity = _quantity(_("quantity"), required=False)


ShippingLineFormSet = forms.formset_factory(ShippingLineForm, extra=0)


class DeliveryForm(forms.Form):
    """The customer-signed copy (R14): who signed, when, and the scan."""

    signed_by = forms.CharField(label=_("signed by"), max_length=100)
    signed_at = forms.DateField(label=pgettext_lazy("delivery", "signed on"), widget=DateInput())
    scan = forms.FileField(
        label=_("signed copy (scan)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": SCAN_ACCEPT}),
        help_text=_("PDF, JPEG or PNG."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_by"].widget.attrs["autofocus"] = True
        keep_late_booking(self)
