"""Production notices (生产通知单, R10) and goods receipts (入库单, R11)."""

from typing import TYPE_CHECKING

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
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
from core.fields import QuantityField
from core.roles import Role
from inventory.models.common import user_field
from inventory.models.stock import StockMove, Warehouse

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class ProductionNoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RELEASED = "released", _("Released")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# Notices whose quantities count against the contract (R10): a draft or cancelled one does not.
PRODUCTION_COUNTED = (
    ProductionNoticeStatus.SUBMITTED,
    ProductionNoticeStatus.RELEASED,
    ProductionNoticeStatus.COMPLETED,
)


class ProductionNotice(ConcurrentTransitionMixin, ApprovableDocument):
    """生产通知单 (R10): prepared by the planner from an active contract, lines within the
    contract's quantities, signed by the sales VP (then `released` to production); progress is
    the goods received against it; the planner marks it completed."""

    approval_document_type = DocumentType.PRODUCTION_NOTICE
    approval_template = "inventory/approval/production_notice.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="production_notices",
    )
    customer = models.ForeignKey(
        "sales.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    status = FSMField(
        _("status"),
        default=ProductionNoticeStatus.DRAFT,
        choices=ProductionNoticeStatus.choices,
        protected=True,
    )
    due_date = models.DateField(_("due date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = user_field(_("prepared by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("production notice")
        verbose_name_plural = _("production notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "due_date"], name="prodnotice_status_idx")]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("production-notice-detail", args=[self.pk])

    def approval_amount(self):
        return None

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("contract", "customer", "created_by").prefetch_related(
            models.Prefetch("lines", ProductionNoticeLine.objects.select_related("product"))
        )

    def approval_granted(self, *, request, actor: "User") -> None:
        from inventory.services.production import production_notice_released

        production_notice_released(notice=self, actor=actor)

    @transition(
        field=status, source=ProductionNoticeStatus.DRAFT, target=ProductionNoticeStatus.SUBMITTED
    )
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=ProductionNoticeStatus.SUBMITTED,
        target=ProductionNoticeStatus.RELEASED,
        conditions=[approval_is_granted],
    )
    def release(self) -> None:
        pass

    @transition(
        field=status,
        source=ProductionNoticeStatus.SUBMITTED,
        target=ProductionNoticeStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(
        field=status,
        source=ProductionNoticeStatus.RELEASED,
        target=ProductionNoticeStatus.COMPLETED,
    )
    def complete(self) -> None:
        pass

    @transition(
        field=status, source=ProductionNoticeStatus.DRAFT, target=ProductionNoticeStatus.CANCELLED
    )
    def cancel(self) -> None:
        pass


register(ProductionNotice)

# Who approves a production notice (R10; approvals.chains): the VP of sales signs it.
register_default_chain(
    ApprovalChain(
        DocumentType.PRODUCTION_NOTICE,
        "生产通知单审批 Production notice",
        steps=[Step(Role.SALES_VP, sequence=1)],
    )
)


class ProductionNoticeLine(models.Model):
    notice = models.ForeignKey(
        ProductionNotice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="lines"
    )
    contract_line = models.ForeignKey(
        "contracts.ContractLine",
        verbose_name=_("contract line"),
        on_delete=models.PROTECT,
        related_name="production_lines",
    )
    product = models.ForeignKey(
        "sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = QuantityField(_("quantity"))

    class Meta:
        verbose_name = _("production notice line")
        verbose_name_plural = _("production notice lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="prodnoticeline_quantity_positive"
            ),
            models.UniqueConstraint(
                fields=["notice", "contract_line"], name="prodnoticeline_one_per_contract_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class GoodsReceiptStatus(models.TextChoices):
    RECORDED = "recorded", _("Recorded")
    POSTED = "posted", _("Posted")
    REJECTED = "rejected", _("Rejected")


class GoodsReceipt(ConcurrentTransitionMixin, models.Model):
    """入库单 (R11): recorded by production with the QC certificate number, confirmed by QC
    (another person); only the confirmation posts the stock receipt."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    product = models.ForeignKey(
        "sales.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = QuantityField(_("quantity"))
    qc_certificate_no = models.CharField(_("QC certificate no."), max_length=60)
    production_notice = models.ForeignKey(
        ProductionNotice,
        verbose_name=_("production notice"),
        on_delete=models.PROTECT,
        related_name="receipts",
        null=True,
        blank=True,
    )
    status = FSMField(
        _("status"),
        default=GoodsReceiptStatus.RECORDED,
        choices=GoodsReceiptStatus.choices,
        protected=True,
    )
    created_by = user_field(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    confirmed_by = user_field(_("confirmed by"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    rejection_reason = models.CharField(_("rejection reason"), max_length=300, blank=True)
    stock_move = models.OneToOneField(
        StockMove,
        verbose_name=_("stock move"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goods receipt")
        verbose_name_plural = _("goods receipts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gt=0), name="goodsreceipt_quantity_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(qc_certificate_no=""), name="goodsreceipt_has_certificate"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="posted") | models.Q(stock_move__isnull=False),
                name="goodsreceipt_posted_has_move",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("goods-receipt-detail", args=[self.pk])

    @transition(field=status, source=GoodsReceiptStatus.RECORDED, target=GoodsReceiptStatus.POSTED)
    def post(self) -> None:
        pass

    @transition(
        field=status, source=GoodsReceiptStatus.RECORDED, target=GoodsReceiptStatus.REJECTED
    )
    def reject(self) -> None:
        pass
