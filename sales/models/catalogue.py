"""The catalogue that is sold: products and the price lists that price them (R5, R6)."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from approvals.chains import ApprovalChain, Step, register_default_chain
from approvals.documents import (
    ApprovableDocument,
    approval_is_closed_unapproved,
    approval_is_granted,
    register,
)
from approvals.models import DocumentType
from core.fields import AmountField
from core.money import DEFAULT_VAT_RATE
from core.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Product(models.Model):
    """产品: what is sold. Maintained by a superuser or the general manager (DESIGN §2)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20)
    tax_rate = models.DecimalField(
        _("tax rate"),
        max_digits=5,
        decimal_places=4,
        default=DEFAULT_VAT_RATE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    is_active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=1), name="product_tax_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PriceListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    ACTIVE = "active", pgettext_lazy("price list status", "Active")
    CLOSED = "closed", _("Closed")


class PriceList(ConcurrentTransitionMixin, ApprovableDocument):
    """价格表 / sales policy (R5, R6): list and floor price per product for a validity
    range, and the commission rate (R9). Active only once the general manager approves it;
    active lists never overlap."""

    approval_document_type = DocumentType.PRICE_LIST
    approval_template = "sales/approval/price_list.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        help_text=_("Empty: valid until another list replaces it."),
    )
    commission_rate = models.DecimalField(
        _("commission rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0200"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    status = FSMField(
        _("status"), default=PriceListStatus.DRAFT, choices=PriceListStatus.choices, protected=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="pricelist_range_in_order",
                violation_error_message=_("The end date is before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0) & Q(commission_rate__lte=1),
                name="pricelist_commission_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("price-list-detail", args=[self.pk])

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("created_by").prefetch_related(
            models.Prefetch("items", PriceListItem.objects.select_related("product"))
        )

    def approval_amount(self):
        return None

    def approval_customer(self):
        return None

    @transition(field=status, source=PriceListStatus.DRAFT, target=PriceListStatus.PENDING)
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=PriceListStatus.PENDING,
        target=PriceListStatus.ACTIVE,
        conditions=[approval_is_granted],
    )
    def activate(self) -> None:
        pass

    @transition(
        field=status,
        source=PriceListStatus.PENDING,
        target=PriceListStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(field=status, source=PriceListStatus.ACTIVE, target=PriceListStatus.CLOSED)
    def close(self) -> None:
        pass

    def approval_granted(self, *, request, actor: "User") -> None:
        from sales.services.price_lists import price_list_activate

        price_list_activate(price_list=self, actor=actor)


register(PriceList)

# Who approves a price list (R6; approvals.chains): the general manager.
register_default_chain(
    ApprovalChain(
        DocumentType.PRICE_LIST,
        "价格表审批 Price list",
        steps=[Step(Role.GENERAL_MANAGER, sequence=1)],
    )
)


class PriceListItem(models.Model):
    """One product on a price list: list price and the floor below which no order goes (R5)."""

    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="price_list_items",
    )
    list_price = AmountField(_("list price"))
    floor_price = AmountField(_("floor price"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product"],
                name="pricelistitem_product_once",
                violation_error_code="unique",
                violation_error_message=_("The product is on the list twice."),
            ),
            models.CheckConstraint(
                condition=Q(floor_price__gt=0),
                name="pricelistitem_floor_positive",
                violation_error_message=_("Prices must be above zero."),
            ),
            models.CheckConstraint(
                condition=Q(floor_price__lte=models.F("list_price")),
                name="pricelistitem_floor_not_above_list",
                violation_error_message=_("The floor price cannot be above the list price."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.list_price}"
