"""Forms of the contract pages: they parse input; the contracts services decide (R8, R9)."""

from django import forms
from django.utils.translation import gettext_lazy

from contracts.models import ContractStatus
from core import formats
from core.listing import ListFilterForm, selector_filters
from sales.models import PaymentMethod


def _rate_field(label):
    return formats.PercentField(label=label)


class ContractTermsForm(forms.Form):
    """R9 terms and the delivery terms carried from the order; rates typed as percentages
    (30 → 0.3000), the services take fractions."""

    first_payment_ratio = _rate_field(gettext_lazy("first payment ratio"))
    credit_days = forms.IntegerField(label=gettext_lazy("credit days"), min_value=0)
    interest_rate_daily = _rate_field(gettext_lazy("overdue interest per day"))
    invoice_threshold = _rate_field(gettext_lazy("invoice threshold"))
    commission_rate = _rate_field(gettext_lazy("commission rate"))
    delivery_date = forms.DateField(
        label=gettext_lazy("delivery date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    delivery_place = forms.CharField(
        label=gettext_lazy("delivery place"), required=False, max_length=200
    )
    payment_method = forms.ChoiceField(
        label=gettext_lazy("payment method"),
        required=False,
        choices=[("", "---------"), *PaymentMethod.choices],
    )


def contract_filters(params) -> tuple[ListFilterForm, dict]:
    """The filters of the contract and ledger lists (the ones every list shares: customer by
    name, salesperson by name, the signing dates, status) as the form that shows them and the
    keyword arguments of `selectors.contract_list`; a bad value is shown, not applied."""
    form = ListFilterForm(params, statuses=ContractStatus.choices)
    filters = selector_filters(form.values())
    filters["date_field"] = "signed_on"
    return form, filters
