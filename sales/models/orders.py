"""Orders (合同申报单) and their lines (R3–R7)."""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
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
from sales.models.catalogue import PriceList, Product
from sales.models.customers import Customer

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", pgettext_lazy("order status", "Approved")
    CONTRACTED = "contracted", _("Contracted")
    CANCELLED = "cancelled", _("Cancelled")


class CreditStatus(models.TextChoices):
    UNCHECKED = "unchecked", _("Not checked")
    PASSED = "passed", _("Passed")
    HOLD = "hold", _("Credit hold")


class PaymentMethod(models.TextChoices):
    """付款方式: how the customer pays, the same four ways a receipt is recorded (R16)."""

    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    ACCEPTANCE_BILL = "acceptance_bill", _("Bank acceptance bill")
    CHEQUE = "cheque", _("Cheque")
    CASH = "cash", _("Cash")


class Order(ConcurrentTransitionMixin, ApprovableDocument):
    """合同申报单: the contract application a clerk enters (R3–R7). Its gross counts in the
    customer's exposure from submit until it is returned, cancelled or its contract ends."""

    approval_document_type = DocumentType.ORDER
    approval_template = "sales/approval/order.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.PROTECT, related_name="orders"
    )
    status = FSMField(
        _("status"), default=OrderStatus.DRAFT, choices=OrderStatus.choices, protected=True
    )
    credit_status = models.CharField(
        _("credit check"),
        max_length=10,
        choices=CreditStatus.choices,
        default=CreditStatus.UNCHECKED,
    )
    first_payment_ratio = models.DecimalField(
        _("first payment ratio"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.3000"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    net_amount = AmountField(_("net amount"), default=Decimal("0.00"))
    tax_amount = AmountField(_("tax amount"), default=Decimal("0.00"))
    gross_amount = AmountField(_("gross amount"), default=Decimal("0.00"))
    # The gross this order added to the customer's exposure (R3); 0 when it adds none.
    exposure_amount = AmountField(_("exposure added"), default=Decimal("0.00"))
    # 交货日期, 交货地点, 付款方式: carried into the contract and its shipping notices.
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    delivery_place = models.CharField(_("delivery place"), max_length=200, blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_amount__gte=0) & Q(net_amount__gte=0) & Q(tax_amount__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(first_payment_ratio__gte=0) & Q(first_payment_ratio__lte=1),
                name="order_first_payment_ratio_range",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="order_customer_status_idx"),
            # The lists' order (newest first): page 1 without sorting every order (issue 14).
            models.Index(fields=["created_at", "id"], name="order_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.name}"

    def get_absolute_url(self) -> str:
        return reverse("order-detail", args=[self.pk])

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("customer", "created_by").prefetch_related(
            models.Prefetch("lines", OrderLine.objects.select_related("product"))
        )

    @transition(field=status, source=OrderStatus.DRAFT, target=OrderStatus.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=OrderStatus.SUBMITTED,
        target=OrderStatus.APPROVED,
        conditions=[approval_is_granted],
    )
    def approve(self) -> None:
        pass

    @transition(
        field=status,
        source=OrderStatus.SUBMITTED,
        target=OrderStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        self.credit_status = CreditStatus.UNCHECKED

    @transition(field=status, source=OrderStatus.DRAFT, target=OrderStatus.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.APPROVED, target=OrderStatus.CONTRACTED)
    def mark_contracted(self) -> None:
        pass

    def approval_granted(self, *, request, actor: "User") -> None:
        self.approve()
        self._history_user = actor
        self.save(update_fields=["status"])

    def approval_returned(self, *, request, actor: "User", comment: str) -> None:
        from sales.services.orders import order_release_exposure

        self.return_to_draft()
        self._history_user = actor
        order_release_exposure(order=self)
        self.save()


register(Order)

# Who approves an order (R7; approvals.chains): the sales manager, the credit controller
# only when the order is on credit hold (R4), then the general manager.
register_default_chain(
    ApprovalChain(
        DocumentType.ORDER,
        "合同申报单审批 Order",
        steps=[
            Step(Role.SALES_MANAGER, sequence=1),
            Step(Role.CREDIT_CONTROLLER, sequence=2, only_on_hold=True),
            Step(Role.GENERAL_MANAGER, sequence=3),
        ],
    )
)


class PricedLine(models.Model):
    """A priced line of a sales document (an order, a quotation): quantity × unit price, tax by
    the product's rate (DESIGN §3), checked against the price list by
    `sales.services.orders.order_lines_build` (R5). Concrete lines add their document's key and
    their history; the constraints are named after the concrete class."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    # Field validators name the field in errors (R25); the constraints below are the backstop.
    quantity = QuantityField(
        _("quantity"),
        validators=[MinValueValidator(Decimal("0.001"), _("Enter a quantity above zero."))],
    )
    unit_price = AmountField(
        _("unit price"),
        validators=[MinValueValidator(Decimal("0"), _("The price cannot be negative."))],
    )
    tax_rate = models.DecimalField(
        _("tax rate"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    net = AmountField(_("net"))
    tax = AmountField(_("tax"))
    gross = AmountField(_("gross"))

    class Meta:
        abstract = True
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="%(class)s_quantity_positive",
                violation_error_message=_("Enter a quantity above zero."),
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="%(class)s_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(gross=Round(models.F("net") + models.F("tax"), 2)),
                name="%(class)s_gross_is_net_plus_tax",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class OrderLine(PricedLine):
    """A line of an order (R5)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    history = HistoricalRecords()

    class Meta(PricedLine.Meta):
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
