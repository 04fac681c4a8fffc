"""Customers and their contacts (客户, 联系人): master data whose credit fields change only
through a credit change request (R1, R2)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.fields import AmountField

# 统一社会信用代码 (18) or the older tax registration number (15): digits and capitals.
tax_id_validator = RegexValidator(
    r"^(?:[0-9A-Z]{15}|[0-9A-Z]{18})$",
    _("Enter the 18-character unified social credit code (or a 15-character tax number)."),
)
phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()\-]{4,29}$", _("Enter a phone number: digits, spaces, + ( ) -.")
)


# Legal-form suffixes dropped before names are compared (issue 15: a lead converts only when no
# customer has the same normalised name); longest first, so 有限责任公司 is not read as 公司.
COMPANY_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "公司",
    "corporation",
    "company limited",
    "co ltd",
    "coltd",
    "company",
    "limited",
    "corp",
    "inc",
    "ltd",
    "llc",
    "co",
)


def normalise_company_name(name: str) -> str:
    """The key two company names are the same by: full-width → half-width (NFKC), case-folded,
    the legal-form suffix removed (repeatedly: "… Co., Ltd."), then every space and punctuation
    mark removed: "上海华东机械股份有限公司", "上海 华东机械有限公司" and "上海华东机械" are one
    name; "ＡＢＣ Trading Co., Ltd." and "abc trading" are one. An ASCII suffix counts only as a
    whole word ("Tesco" keeps its "co"); a name that is only a suffix is kept as it is."""
    import unicodedata

    text = unicodedata.normalize("NFKC", name or "").casefold()
    words = "".join(ch if ch.isalnum() else " " for ch in text).split()
    text = " ".join(words)
    changed = True
    while changed and text:
        changed = False
        for suffix in COMPANY_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                head = text[: -len(suffix)]
                # an ASCII suffix only as a whole word ("tesco" keeps its "co")
                if suffix.isascii() and head and head[-1] != " ":
                    continue
                text = head.rstrip()
                changed = True
                break
    return "".join(ch for ch in text if ch.isalnum())


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class CustomerQuerySet(models.QuerySet):
    """Bulk writes keep `name_key` as `Customer.save` does (imports, seeds)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for customer in objs:
            customer.name_key = normalise_company_name(customer.name)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if "name" in fields:
            for customer in objs:
                customer.name_key = normalise_company_name(customer.name)
            fields = [*fields, "name_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)


class Customer(models.Model):
    """客户. Credit fields change only through a credit change request (R2)."""

    CREDIT_FIELDS = ("credit_limit", "credit_days", "risk_level")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    # normalise_company_name(name), kept by save(): the duplicate check of a lead's conversion
    name_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    tax_id = models.CharField(_("tax id"), max_length=18, blank=True, validators=[tax_id_validator])
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    # R1 defaults; R2: written only by an approved credit change request.
    credit_limit = AmountField(_("credit limit"), default=Decimal("0.00"))
    credit_days = models.PositiveIntegerField(_("credit days"), default=0)
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.HIGH
    )
    # R3: kept transactionally by the events that change it (orders, receipts).
    exposure = AmountField(_("exposure"), default=Decimal("0.00"))
    # R4/R18: set by the nightly credit re-evaluation.
    blocked = models.BooleanField(_("blocked"), default=False)
    # The day the credit terms were last approved; the annual review falls due a year later.
    credit_reviewed_on = models.DateField(_("credit reviewed on"), null=True, blank=True)
    is_active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "name_key"])  # R24
    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="customer_credit_limit_not_negative"
            ),
            models.UniqueConstraint(
                fields=["tax_id"],
                condition=~Q(tax_id=""),
                name="customer_tax_id_unique",
                violation_error_code="unique",  # so full_clean names the tax_id field
                violation_error_message=_("A customer with this tax id exists."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.name_key = normalise_company_name(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)


class Contact(models.Model):
    """联系人 of a customer."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    title = models.CharField(pgettext_lazy("job", "title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
