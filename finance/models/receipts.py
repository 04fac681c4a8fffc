"""Receipts (收款单) and their allocations to contracts (R16).

A receipt is money from a customer, recorded by finance with its method; it is allocated to
contracts of the same customer at once or later, and what is not allocated stays on account as
an advance (预收). A receipt entered wrongly is reversed, never edited or deleted (R24): its
allocations are undone and the reversal is posted. Writes: finance/services/receipts.py.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from core.fields import AmountField
from sales.models import PaymentMethod


class ReceiptStatus(models.TextChoices):
    POSTED = "posted", pgettext_lazy("receipt status", "Posted")
    REVERSED = "reversed", pgettext_lazy("receipt status", "Reversed")


class Receipt(models.Model):
    """收款单: an amount received from a customer (R16), posted when recorded (Dr bank / Cr
    advances from customers) and allocated to its contracts; `allocated` is the running sum of
    its live allocations (a counter the services move with F(), never summed from history)."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "sales.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="receipts",
    )
    amount = AmountField(_("amount"))
    method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices)
    received_on = models.DateField(_("received on"))
    # A late document (core.periods): received in a closed month, its entry dated this day.
    booked_on = models.DateField(_("booked on"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    # 承兑汇票: a bank acceptance bill's number, issuing bank and maturity date (R16).
    bill_number = models.CharField(_("bill number"), max_length=40, blank=True)
    bill_bank = models.CharField(_("issuing bank"), max_length=100, blank=True)
    bill_maturity = models.DateField(_("maturity date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    allocated = AmountField(_("allocated"), default=Decimal("0.00"))
    status = FSMField(
        _("status"),
        max_length=20,
        choices=ReceiptStatus.choices,
        default=ReceiptStatus.POSTED,
        protected=True,
    )
    reversal_reason = models.CharField(_("reversal reason"), max_length=200, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reversed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(allocated__lte=models.F("amount")),
                name="receipt_allocated_within_amount",
                violation_error_message=_("Allocations cannot exceed the receipt."),
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "received_on"], name="receipt_customer_day_idx"),
            models.Index(fields=["received_on", "id"], name="receipt_day_idx"),  # lists
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def unallocated(self) -> Decimal:
        """What stays on account as an advance (R16); nothing once reversed."""
        if self.status == ReceiptStatus.REVERSED:
            return Decimal("0.00")
        return self.amount - self.allocated

    @transition(field=status, source=ReceiptStatus.POSTED, target=ReceiptStatus.REVERSED)
    def reverse(self) -> None:
        """R24: a wrong receipt is reversed by the service, which undoes its allocations."""


class Allocation(models.Model):
    """Part of a receipt applied to one contract of its customer (R16): it adds to the
    contract ledger's `collected` and takes as much off the customer's exposure (R3). Undone
    (`reversed`) only with its receipt; never edited or deleted."""

    receipt = models.ForeignKey(
        Receipt, verbose_name=_("receipt"), on_delete=models.PROTECT, related_name="allocations"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    amount = AmountField(_("amount"))
    # The business date from which the money counts as collected (R18's overdue and interest):
    # the receipt's date when allocated with it, the allocation's day when allocated later.
    allocated_on = models.DateField(_("allocated on"))
    reversed = models.BooleanField(_("reversed"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("allocated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("allocated at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["contract", "allocated_on"], name="allocation_contract_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id} → {self.contract_id}: {self.amount}"
