"""Forms of the finance pages: they parse input only; the finance services decide (R16–R18),
and their refusals are shown on these forms by `core.pages.form_add_domain_error`."""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts import selectors as contract_selectors
from contracts.models import ContractStatus
from core import formats
from sales import selectors as sales_selectors
from sales.models import PaymentMethod


class DateInput(forms.DateInput):
    """A browser date picker that shows a bound value as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class ReceiptForm(forms.Form):
    """收款单: who paid, how much, how and when; the acceptance bill's details when it is one.
    The allocation grid beside it is read by the view (one amount per open contract)."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None)
    amount = formats.AmountField(label=_("Amount"), min_value=None)
    method = forms.ChoiceField(
        label=_("Payment method"), choices=PaymentMethod.choices, initial="bank_transfer"
    )
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    reference = forms.CharField(label=_("Bank reference"), max_length=60, required=False)
    bill_number = forms.CharField(label=_("Bill number"), max_length=40, required=False)
    bill_bank = forms.CharField(label=_("Issuing bank"), max_length=100, required=False)
    bill_maturity = forms.DateField(label=_("Maturity date"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("received_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = sales_selectors.customer_list(user=user).order_by("name")
        self.fields["customer"].widget.attrs.update(
            {
                "hx-get": "",
                "hx-target": "#allocation-grid",
                "hx-select": "#allocation-grid",
                "hx-swap": "outerHTML",
                "hx-include": "this",
                "autofocus": True,
            }
        )


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


def allocation_amounts(data, rows) -> tuple[list[dict], dict]:
    """The grid's amounts (`allocate-<contract id>`, typed like any amount: "1,234.50"), as the
    service's `allocations` list, and errors keyed by contract id for what is not an amount."""
    field = formats.AmountField(required=False)
    allocations, errors = [], {}
    for row in rows:
        key = f"allocate-{row['contract'].pk}"
        try:
            value = field.clean(data.get(key, ""))
        except forms.ValidationError as error:
            errors[row["contract"].pk] = error.messages
            continue
        if value:
            allocations.append({"contract": row["contract"].pk, "amount": value})
    return allocations, errors


# --- invoices (R17) ------------------------------------------------------------------------------


class ContractChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_number} {obj.customer.name}"


class InvoiceForm(forms.Form):
    """Request an invoice: one of the active contracts the user sees (R23), the amount (gross;
    empty: what is left to invoice) and the buyer's bank details for the invoice request."""

    contract = ContractChoiceField(queryset=None, label=_("contract"))
    amount = formats.AmountField(
        label=_("amount (gross)"),
        required=False,
        min_value=0,
        help_text=_("Empty: the contract's gross less what is invoiced."),
    )
    buyer_bank = forms.CharField(label=_("buyer's bank"), max_length=100, required=False)
    buyer_account = forms.CharField(label=_("buyer's bank account"), max_length=40, required=False)
    note = forms.CharField(label=_("note"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contract_selectors.contract_list(
            user=user, status=ContractStatus.ACTIVE, with_lines=False
        )
        # Choosing a contract reloads what it has collected and what is left to invoice.
        self.fields["contract"].widget.attrs.update(
            {
                "hx-get": reverse("invoice-create"),
                "hx-trigger": "change",
                "hx-target": "#invoice-figures",
                "hx-select": "#invoice-figures",
                "hx-swap": "outerHTML",
            }
        )


class RedInvoiceForm(forms.Form):
    note = forms.CharField(label=_("reason"), max_length=200, required=False)


class FapiaoForm(forms.Form):
    """The tax system's fapiao number (8 to 20 digits) and date, recorded after issue."""

    fapiao_number = forms.CharField(
        label=_("fapiao number"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"size": 22, "inputmode": "numeric"}),
    )
    fapiao_date = forms.DateField(
        label=_("fapiao date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
