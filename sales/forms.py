"""Browser forms of the sales app: they parse what a page posts; the rules are the services'.
Amounts and quantities are bounded like the model fields (`core.money.MAX_AMOUNT`,
`MAX_QUANTITY`), so a larger value is an error beside its field; amounts may be typed with
separators and rates are typed as percentages (`core.formats`)."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import formats
from core.errors import RuleViolation
from sales import selectors
from sales.models import (
    Contact,
    ContactChannel,
    Customer,
    Lead,
    LeadGrade,
    LeadStatus,
    PaymentMethod,
    Product,
    RiskLevel,
)
from sales.services import customer_refuse_credit_fields
from sales.services.leads import LEAD_FIELDS

User = get_user_model()


class CustomerForm(forms.ModelForm):
    """Customer master data. Credit fields are not on the form; a POST that carries them
    (a tampered form) is refused with the R2 error, not silently ignored."""

    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        label=gettext_lazy("owner"),
        to_field_name="username",
    )

    class Meta:
        model = Customer
        fields = [
            "name",
            "code",
            "tax_id",
            "contact_name",
            "phone",
            "email",
            "address",
            "owner",
            "is_active",
        ]
        widgets = {"address": forms.TextInput(attrs={"size": 60})}
        help_texts = {"code": gettext_lazy("Leave empty to number it automatically.")}

    def __init__(self, *args, can_assign_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        self.fields["name"].widget.attrs["autofocus"] = True
        if not can_assign_owner:
            del self.fields["owner"]

    def clean(self):
        cleaned = super().clean()
        try:
            customer_refuse_credit_fields(self.data)
        except RuleViolation as error:
            raise forms.ValidationError(error.detail, code=error.code) from error
        return cleaned

    def validate_unique(self):
        """Uniqueness is the service's job (it also handles the race)."""


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "email"]


ContactFormSet = forms.formset_factory(ContactForm, extra=1, can_delete=True)


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["code", "name", "specification", "unit", "tax_rate", "is_active"]
        field_classes = {"tax_rate": formats.PercentField}

    def validate_unique(self):
        """Uniqueness is the service's job (it also handles the race)."""


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("file"), help_text=gettext_lazy("CSV (UTF-8 or GB18030) or XLSX.")
    )


# --- credit change requests (R2) --------------------------------------------------------------


class CreditChangeForm(forms.Form):
    """The proposed values. The customer is chosen only when proposing; a draft keeps it."""

    customer = forms.ModelChoiceField(queryset=None, label=gettext_lazy("customer"))
    credit_limit = formats.AmountField(
        label=gettext_lazy("new credit limit"), min_value=Decimal("0")
    )
    credit_days = forms.IntegerField(label=gettext_lazy("new credit days"), min_value=0)
    risk_level = forms.ChoiceField(label=gettext_lazy("new risk level"), choices=RiskLevel.choices)
    reason = forms.CharField(
        label=gettext_lazy("reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=gettext_lazy("Why the customer's credit should change; the approver reads this."),
    )

    def __init__(self, *args, user, with_customer: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_customer:
            # Only customers the user may see can be chosen (R23).
            self.fields["customer"].queryset = selectors.customer_list(user=user, active=True)
        else:
            del self.fields["customer"]


# --- price lists (R5, R6) ---------------------------------------------------------------------


class PriceListForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=100)
    valid_from = forms.DateField(
        label=gettext_lazy("valid from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_to = forms.DateField(
        label=gettext_lazy("valid to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Empty: valid until another list replaces it."),
    )
    commission_rate = formats.PercentField(
        label=gettext_lazy("commission rate"), initial=Decimal("0.0200")
    )


class PriceListItemForm(forms.Form):
    product = forms.TypedChoiceField(label=gettext_lazy("product"), coerce=int, empty_value=None)
    list_price = formats.AmountField(label=gettext_lazy("list price"))
    floor_price = formats.AmountField(label=gettext_lazy("floor price"))

    def __init__(self, *args, product_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = product_choices


PriceListItemFormSet = forms.formset_factory(PriceListItemForm, extra=3, can_delete=True)


# --- orders (R3–R7) ---------------------------------------------------------------------------


class OrderForm(forms.Form):
    customer = forms.ModelChoiceField(queryset=None, label=gettext_lazy("customer"))
    first_payment_ratio = formats.PercentField(
        label=gettext_lazy("first payment ratio"), initial=Decimal("0.3000")
    )
    delivery_date = forms.DateField(
        label=gettext_lazy("delivery date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Optional; not in the past."),
    )
    delivery_place = forms.CharField(
        label=gettext_lazy("delivery place"), required=False, max_length=200
    )
    payment_method = forms.ChoiceField(
        label=gettext_lazy("payment method"),
        required=False,
        choices=[("", "---------"), *PaymentMethod.choices],
    )
    note = forms.CharField(
        label=gettext_lazy("note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    INITIAL_FROM_ORDER = (
        "first_payment_ratio",
        "delivery_date",
        "delivery_place",
        "payment_method",
        "note",
    )

    def __init__(self, *args, user, order=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        if order is None:
            # Only the clerk's own active customers can be chosen (R23).
            field.queryset = selectors.customer_list(user=user, active=True)
            field.widget.attrs.update(
                {
                    "autofocus": True,
                    "hx-get": reverse("order-credit"),
                    # The lines go along (not the whole form: no CSRF token in a URL), so the
                    # panel says whether this order would go on credit hold.
                    "hx-include": "#order-lines",
                    "hx-trigger": "change",
                    "hx-target": "#credit-panel",
                    "hx-swap": "outerHTML",
                }
            )
        else:
            del self.fields["customer"]


class ProductSelect(forms.Select):
    """Options carry the list price, so choosing a product fills an empty unit price."""

    def __init__(self, *args, list_prices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.list_prices = list_prices or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        price = self.list_prices.get(str(value))
        if price is not None:
            option["attrs"]["data-list-price"] = str(price)
        return option


class OrderLineForm(forms.Form):
    product = forms.TypedChoiceField(
        label=gettext_lazy("product"), coerce=int, empty_value=None, required=False
    )
    quantity = formats.QuantityField(
        label=gettext_lazy("quantity"),
        required=False,
        widget=formats.QuantityInput(attrs={"size": 8, "class": "quantity"}),
    )
    unit_price = formats.AmountField(
        label=gettext_lazy("unit price"),
        required=False,
        widget=formats.AmountInput(attrs={"size": 12, "class": "unit-price"}),
    )

    def __init__(self, *args, catalogue=None, **kwargs):
        super().__init__(*args, **kwargs)
        catalogue = catalogue or {}
        self.catalogue = catalogue
        field = self.fields["product"]
        field.choices = [("", "---------")] + [
            (pk, _("%(code)s %(name)s — list %(list)s, floor %(floor)s") % item)
            for pk, item in catalogue.items()
        ]
        field.widget = ProductSelect(
            choices=field.choices,
            list_prices={str(pk): item["list"] for pk, item in catalogue.items()},
            attrs={
                "class": "product",
                # A default, not arithmetic: the totals are always computed by the server. A
                # price the clerk typed is kept; one filled in here follows the product
                # (static/js/o2c.js: data-fills-price, no inline handler under the CSP).
                "data-fills-price": "",
            },
        )

    def clean(self):
        data = super().clean()
        product = data.get("product")
        if product is None:
            if data.get("quantity") is not None or data.get("unit_price") is not None:
                self.add_error("product", _("Choose a product or clear the row."))
            return data
        if data.get("quantity") is None and "quantity" not in self.errors:
            self.add_error("quantity", _("Enter the quantity."))
        if data.get("unit_price") is None and "unit_price" not in self.errors:
            item = self.catalogue.get(product)
            if item is not None:
                data["unit_price"] = item["list"]  # the default is the list price
        return data


OrderLineFormSet = forms.formset_factory(OrderLineForm, extra=0)


# --- quotations and bids 报价/投标 (R27) -------------------------------------------------------


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QuotationForm(forms.Form):
    """The header of a quotation; its lines are an `OrderLineFormSet`. The party (one of the
    clerk's customers or open leads, R23) is chosen on a new quotation only; the service checks
    that exactly one is given. A tender deadline makes it a bid 投标."""

    customer = forms.ModelChoiceField(queryset=None, label=gettext_lazy("customer"), required=False)
    lead = forms.ModelChoiceField(queryset=None, label=gettext_lazy("lead"), required=False)
    valid_until = forms.DateField(label=gettext_lazy("valid until"), widget=_date_input())
    bid_deadline = forms.DateField(
        label=gettext_lazy("bid deadline"),
        required=False,
        widget=_date_input(),
        help_text=gettext_lazy("Only for a bid (投标): the tender's deadline."),
    )
    note = forms.CharField(
        label=gettext_lazy("note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )

    INITIAL_FROM_QUOTATION = ("valid_until", "bid_deadline", "note")

    def __init__(self, *args, user, quotation=None, **kwargs):
        super().__init__(*args, **kwargs)
        if quotation is None:
            self.fields["customer"].queryset = selectors.customer_list(user=user, active=True)
            self.fields["lead"].queryset = selectors.lead_list(
                user=user, status=LeadStatus.OPEN
            ).order_by("company", "id")
            self.fields["lead"].help_text = gettext_lazy(
                "Or a lead not yet converted; it is converted when the quotation becomes an order."
            )
        else:
            del self.fields["customer"], self.fields["lead"]


class QuotationLostForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("reason"),
        max_length=300,
        required=False,  # the service says it is required, naming the field
        widget=forms.TextInput(attrs={"size": 40}),
    )


class QuotationToOrderForm(forms.Form):
    tax_id = forms.CharField(
        label=gettext_lazy("tax id"),
        max_length=18,
        required=False,
        help_text=gettext_lazy("The lead becomes a customer first; its tax id, if known."),
    )


class LeadForm(forms.ModelForm):
    """Capture a lead 潜在客户 (R26); the due date is the service's (sales.leads_clock)."""

    class Meta:
        model = Lead
        fields = list(LEAD_FIELDS)  # what the service takes (sales.services.leads)
        widgets = {"need": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].widget.attrs["autofocus"] = True

    def validate_unique(self):
        """Rules are the service's."""


class LeadCloseForm(forms.Form):
    """Close a lead: no business with it (R26); it leaves the follow-up lists."""

    reason = forms.CharField(
        label=gettext_lazy("reason"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Why there is no business; kept as the grade reason."),
    )


class LeadContactForm(forms.Form):
    """Log a contact with a lead; the next due follows from its time (R26)."""

    contacted_at = forms.DateTimeField(
        label=gettext_lazy("contacted at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    channel = forms.ChoiceField(label=gettext_lazy("channel"), choices=())
    note = forms.CharField(label=gettext_lazy("note"), widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=gettext_lazy("next step"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = ContactChannel.choices


class LeadGradeForm(forms.Form):
    """Regrade a lead; the service moves its due (R26)."""

    grade = forms.ChoiceField(label=gettext_lazy("grade"), choices=())
    grade_reason = forms.CharField(
        label=gettext_lazy("grade reason"), max_length=300, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = LeadGrade.choices


class LeadConvertForm(forms.Form):
    """Convert a lead into a customer (R1 defaults); a duplicate is refused by the service."""

    tax_id = forms.CharField(label=gettext_lazy("tax id"), max_length=18, required=False)
