"""Forms of the finance pages: they parse input; the finance services decide."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from contracts import selectors as contract_selectors
from contracts.models import ContractStatus
from core import formats

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
