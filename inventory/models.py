from django.conf import settings
from django.db import models
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
from core.roles import Role


class Warehouse(models.Model):
    """仓库. Maintained by a superuser or the general manager (DESIGN §2)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
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
    on_hand = models.DecimalField(_("on hand"), max_digits=18, decimal_places=3, default=0)
    reserved = models.DecimalField(_("reserved"), max_digits=18, decimal_places=3, default=0)

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
    quantity = models.DecimalField(_("quantity"), max_digits=18, decimal_places=3)
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


# --- fulfilment documents (R10–R15) ------------------------------------------------------------
QUANTITY = {"max_digits": 18, "decimal_places": 3}
AMOUNT = {"max_digits": 18, "decimal_places": 2}


def _user(label, related_name="+", **kwargs):
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=label,
        on_delete=models.PROTECT,
        related_name=related_name,
        **kwargs,
    )


class ProductionNoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RELEASED = "released", _("Released")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


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
    created_by = _user(_("prepared by"))
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

    def approval_granted(self, *, request, actor) -> None:
        from django.utils import timezone

        self.release()
        self.released_at = timezone.now()
        self._history_user = actor
        self.save()

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
    quantity = models.DecimalField(_("quantity"), **QUANTITY)

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
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
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
    created_by = _user(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    confirmed_by = _user(_("confirmed by"), null=True, blank=True)
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


class ShippingNoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    ISSUED = "issued", _("Issued")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")


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
    net_amount = models.DecimalField(_("net amount"), default=0, **AMOUNT)
    tax_amount = models.DecimalField(_("tax amount"), default=0, **AMOUNT)
    gross_amount = models.DecimalField(_("gross amount"), default=0, **AMOUNT)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = _user(_("prepared by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Outbound (R13).
    gate_pass_no = models.CharField(
        _("gate pass no."), max_length=20, null=True, blank=True, unique=True
    )
    issued_by = _user(_("issued by"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    exited_by = _user(_("exit recorded by"), null=True, blank=True)
    exited_at = models.DateTimeField(_("left the gate at"), null=True, blank=True)
    # The customer-signed copy (R14).
    signed_by = models.CharField(_("signed by"), max_length=100, blank=True)
    signed_at = models.DateField(pgettext_lazy("delivery", "signed on"), null=True, blank=True)
    signed_scan = models.FileField(
        _("signed copy (scan)"), upload_to=delivery_scan_path, blank=True, max_length=200
    )
    delivery_recorded_by = _user(_("delivery recorded by"), null=True, blank=True)
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

    def approval_granted(self, *, request, actor) -> None:
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
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    # This quantity at the contract's price: net, VAT and gross (R13 shipped, R14 delivered —
    # revenue is the net, output VAT the tax). The notice that completes a contract line takes
    # what is left of the line's net and tax, so a fully shipped line adds up to it exactly.
    net = models.DecimalField(_("net"), default=0, **AMOUNT)
    tax = models.DecimalField(_("tax"), default=0, **AMOUNT)
    amount = models.DecimalField(_("gross"), **AMOUNT)

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
                condition=models.Q(amount=models.F("net") + models.F("tax")),
                name="shipnoticeline_gross_is_net_plus_tax",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} × {self.quantity}"


class ServiceDispatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceDispatch(ConcurrentTransitionMixin, ApprovableDocument):
    """接续派工单 (R15): installation or service on site, prepared by a clerk, refused until
    the contract's first payment is collected, approved by the sales manager; completed with
    the customer's acceptance report (验收报告) number."""

    approval_document_type = DocumentType.SERVICE_DISPATCH
    approval_template = "inventory/approval/service_dispatch.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="service_dispatches",
    )
    customer = models.ForeignKey(
        "sales.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    status = FSMField(
        _("status"),
        default=ServiceDispatchStatus.DRAFT,
        choices=ServiceDispatchStatus.choices,
        protected=True,
    )
    scheduled_on = models.DateField(_("scheduled on"))
    description = models.CharField(_("description"), max_length=1000)
    created_by = _user(_("prepared by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    acceptance_report_no = models.CharField(_("acceptance report no."), max_length=60, blank=True)
    completed_by = _user(_("completed by"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service dispatch")
        verbose_name_plural = _("service dispatches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="completed") | ~models.Q(acceptance_report_no=""),
                name="servicedispatch_completed_has_report",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("service-dispatch-detail", args=[self.pk])

    def approval_amount(self):
        return None

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("contract", "customer", "created_by")

    def approval_granted(self, *, request, actor) -> None:
        from inventory.services.dispatch import service_dispatch_approved

        service_dispatch_approved(dispatch=self, actor=actor)

    @transition(
        field=status, source=ServiceDispatchStatus.DRAFT, target=ServiceDispatchStatus.SUBMITTED
    )
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=ServiceDispatchStatus.SUBMITTED,
        target=ServiceDispatchStatus.APPROVED,
        conditions=[approval_is_granted],
    )
    def approve(self) -> None:
        pass

    @transition(
        field=status,
        source=ServiceDispatchStatus.SUBMITTED,
        target=ServiceDispatchStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(
        field=status, source=ServiceDispatchStatus.APPROVED, target=ServiceDispatchStatus.COMPLETED
    )
    def complete(self) -> None:
        pass

    @transition(
        field=status, source=ServiceDispatchStatus.DRAFT, target=ServiceDispatchStatus.CANCELLED
    )
    def cancel(self) -> None:
        pass


register(ServiceDispatch)

# Who approves a service dispatch (R15; approvals.chains): the sales manager.
register_default_chain(
    ApprovalChain(
        DocumentType.SERVICE_DISPATCH,
        "接续派工单审批 Service dispatch",
        steps=[Step(Role.SALES_MANAGER, sequence=1)],
    )
)
