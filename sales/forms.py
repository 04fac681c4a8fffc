from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.errors import RuleViolation
from sales.models import Contact, Customer, Product
from sales.services import customer_refuse_credit_fields

User = get_user_model()


class CustomerForm(forms.ModelForm):
    """Customer master data. Credit fields are not on the form; a POST that carries them
    (a tampered form) is refused with the R2 error, not silently ignored."""

    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        label=_("owner"),
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
        help_texts = {"code": _("Leave empty to number it automatically.")}

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

    def validate_unique(self):
        """Uniqueness is the service's job (it also handles the race)."""


class ImportForm(forms.Form):
    file = forms.FileField(label=_("file"), help_text=_("CSV (UTF-8 or GB18030) or XLSX."))
