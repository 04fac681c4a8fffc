"""Shipping notices (发货单, R12), their outbound and gate pass (R13) and the customer-signed
delivery (R14)."""

from typing import TYPE_CHECKING

from django.db import models
from django.db.models.functions import Round
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
from core.fields import AmountField, QuantityField
from core.roles import Role
from inventory.models.common import user_field
from inventory.models.stock import Warehouse

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class ShippingNoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    ISSUED = "issued", _("Issued")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


# A notice is valid this many days from today unless its clerk sets a date (R12).
DEFAULT_VALIDITY_DAYS = 7

# The notices whose quantities count against the contract lines (R12): open (submitted,
# approved, issued) or already out of the gate.
SHIPPING_COUNTED = (
    ShippingNoticeStatus.SUBMITTED,
    ShippingNoticeStatus.APPROVED,
    ShippingNoticeStatus.ISSUED,
    ShippingNoticeStatus.SHIPPED,
    ShippingNoticeStatus.DELIVERED,
)
# Past the warehouse: the goods have left stock (counted in the ledger's `shipped`).
SHIPPING_OUT = (
    ShippingNoticeStatus.ISSUED,
    ShippingNoticeStatus.SHIPPED,
    ShippingNoticeStatus.DELIVERED,
)


def delivery_scan_path(instance, filename: str) -> str:
    """An unguessable name: scans are served only by the notice's page to those who may see
    it (R23), never as public media."""
    import os
    import uuid

    extension = os.path.splitext(filename)[1].lower()
    return f"delivery-scans/{instance.number}-{uuid.uuid4().hex}{extension}"


class ShippingNotice(ConcurrentTransitionMixin, ApprovableDocument):
    """发货单 (R12–R14): prepared by a clerk for an active contract, approved by the sales
    manager, valid until a date; the warehouse issues it (stock out, gate pass 出门证 no.),
    security records the exit, and the customer-signed copy makes it delivered: revenue."""

    approval_document_type = DocumentType.SHIPPING_NOTICE
    approval_template = "inventory/approval/shipping_notice.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="shipping_notices",
    )
    customer = models.ForeignKey(
        "sales.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    status = FSMField(
        _("status"),
        default=ShippingNoticeStatus.DRAFT,
        choices=ShippingNoticeStatus.choices,
        protected=True,
    )
    valid_until = models.DateField(_("valid until"))
    # 交货地点: the contract's unless the clerk changes it in draft.
    delivery_place = models.CharField(_("delivery place"), max_length=200, blank=True)
    net_amount = AmountField(_("net amount"), default=0)
    tax_amount = AmountField(_("tax amount"), default=0)
    gross_amount = AmountField(_("gross amount"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = user_field(_("prepared by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Outbound (R13).
    gate_pass_no = models.CharField(
        _("gate pass no."), max_length=20, null=True, blank=True, unique=True
    )
    issued_by = user_field(_("issued by"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    exited_by = user_field(_("exit recorded by"), null=True, blank=True)
    exited_at = models.DateTimeField(_("left the gate at"), null=True, blank=True)
    # The customer-signed copy (R14).
    signed_by = models.CharField(_("signed by"), max_length=100, blank=True)
    signed_at = models.DateField(pgettext_lazy("delivery", "signed on"), null=True, blank=True)
    # A late document (core.periods): signed in a closed month, its entries dated this day.
    booked_on = models.DateField(_("booked on"), null=True, blank=True)
    signed_scan = models.FileField(
        _("signed copy (scan)"), upload_to=delivery_scan_path, blank=True, max_length=200
    )
    delivery_recorded_by = user_field(_("delivery recorded by"), null=True, blank=True)
    delivery_recorded_at = models.DateTimeField(_("delivery recorded at"), null=True, blank=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shipping notice")
        verbose_name_plural = _("shipping notices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["issued", "shipped", "delivered"])
                | models.Q(gate_pass_no__isnull=False),
                name="shippingnotice_issued_has_gate_pass",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="delivered")
                | (models.Q(signed_at__isnull=False) & ~models.Q(signed_by="")),
                name="shippingnotice_delivered_is_signed",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "valid_until"], name="shipnotice_status_idx"),
            models.Index(fields=["contract", "status"], name="shipnotice_contract_idx"),
            models.Index(fields=["created_at", "id"], name="shipnotice_created_idx"),  # lists
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("shipping-notice-detail", args=[self.pk])

    def approval_pdf_url(self) -> str | None:
        return reverse("shipping-notice-pdf", args=[self.pk])

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related(
            "contract", "customer", "warehouse", "created_by"
        ).prefetch_related(
            models.Prefetch("lines", ShippingNoticeLine.objects.select_related("product"))
        )

    def approval_granted(self, *, request, actor: "User") -> None:
        from inventory.services.shipping import shipping_notice_approved

        shipping_notice_approved(notice=self, actor=actor)

    @transition(
        field=status, source=ShippingNoticeStatus.DRAFT, target=ShippingNoticeStatus.SUBMITTED
    )
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=ShippingNoticeStatus.SUBMITTED,
        target=ShippingNoticeStatus.APPROVED,
        conditions=[approval_is_granted],
    )
    def approve(self) -> None:
        pass

    @transition(
        field=status,
        source=ShippingNoticeStatus.SUBMITTED,
        target=ShippingNoticeStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(
        field=status, source=ShippingNoticeStatus.APPROVED, target=ShippingNoticeStatus.ISSUED
    )
    def issue(self) -> None:
        pass

    @transition(
        field=status, source=ShippingNoticeStatus.ISSUED, target=ShippingNoticeStatus.SHIPPED
    )
    def exit(self) -> None:
        pass

    @transition(
        field=status, source=ShippingNoticeStatus.SHIPPED, target=ShippingNoticeStatus.DELIVERED
    )
    def deliver(self) -> None:
        pass

    @transition(
        field=status,
        source=[ShippingNoticeStatus.SUBMITTED, ShippingNoticeStatus.APPROVED],
        target=ShippingNoticeStatus.EXPIRED,
    )
    def expire(self) -> None:
        pass

    @transition(
        field=status,
        source=[ShippingNoticeStatus.DRAFT, ShippingNoticeStatus.APPROVED],
        target=ShippingNoticeStatus.CANCELLED,
    )
    def cancel(self) -> None:
        pass


register(ShippingNotice)

# Who approves a shipping notice (R12; approvals.chains): the sales manager.
register_default_chain(
    ApprovalChain(
        DocumentType.SHIPPING_NOTICE,
        "发货单审批 Shipping notice",
        steps=[Step(Role.SALES_MANAGER, sequence=1)],
    )
)


class ShippingNoticeLine(models.Model):
    notice = models.ForeignKey(
        ShippingNotice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="lines"
    )
    contract_line = models.ForeignKey(
        "contracts.ContractLine",
        verbose_name=_("contract line"),
        on_delete=models.PROTECT,
        related_name="shipping_lines",
    )
    product = models.ForeignKey(
        "sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = QuantityField(_("quantity"))
    # This quantity at the contract's price: net, VAT and gross (R13 shipped, R14 delivered —
    # revenue is the net, output VAT the tax). The notice that completes a contract line takes
    # what is left of the line's net and tax, so a fully shipped line adds up to it exactly.
    net = AmountField(_("net"), default=0)
    tax = AmountField(_("tax"), default=0)
    amount = AmountField(_("gross"))

    class Meta:
        verbose_name = _("shipping notice line")
        verbose_name_plural = _("shipping notice lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="shipnoticeline_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["notice", "contract_line"], name="shipnoticeline_one_per_contract_line"
            ),
            models.CheckConstraint(
                condition=models.Q(amount=Round(models.F("net") + models.F("tax"), 2)),
                name="shipnoticeline_gross_is_net_plus_tax",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"
