"""Warehouses and stock (R11, R13): a stock row per product and warehouse, moved only by
immutable stock moves."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.fields import QuantityField


class Warehouse(models.Model):
    """仓库. Maintained by a superuser or the general manager (DESIGN §2)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(pgettext_lazy("in use", "active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockMoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue")
    ADJUSTMENT = "adjustment", _("Adjustment")


class StockLevel(models.Model):
    """库存: on hand and reserved per product and warehouse, kept by stock moves under the
    row lock; the database refuses a negative stock (R13)."""

    product = models.ForeignKey(
        "sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="stock"
    )
    on_hand = QuantityField(_("on hand"), default=0)
    reserved = QuantityField(_("reserved"), default=0)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["warehouse", "product"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="stock_one_row"),
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="stock_not_negative"),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_id}: {self.on_hand}"

    @property
    def available(self):
        return self.on_hand - self.reserved


class StockMove(models.Model):
    """库存流水: one immutable movement (receipt +, issue −, adjustment ± with a reason)."""

    product = models.ForeignKey(
        "sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=StockMoveKind.choices)
    quantity = QuantityField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="stockmove_not_zero"),
            models.CheckConstraint(
                condition=~models.Q(kind="adjustment") | ~models.Q(reason=""),
                name="stockmove_adjustment_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["product", "warehouse"], name="stockmove_item_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("Stock moves are immutable; post a correcting move (R24).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Stock moves are immutable; post a correcting move (R24).")
