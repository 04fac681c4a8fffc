"""Contracts (合同) drafted from approved orders, co-signed by the head of sales and finance
(R8, R9), and the contract ledger (合同台帐) that every later event writes to (R18, §4)."""

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
from approvals.models import ApprovalRequest, DocumentType, unnumbered_draft
from contracts.models.clauses import ContractClauseSet
from core.fields import AmountField, QuantityField
from core.money import money, rate
from core.roles import Role
from sales.models import Customer, Order, OrderLine, PaymentMethod, Product

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ZERO = Decimal("0.00")


def _rate_field(label, default: str):
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=4,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_SIGNOFF = "pending_signoff", _("Pending co-sign")
    ACTIVE = "active", pgettext_lazy("contract status", "Active")
    # 已完结: delivered, invoiced and collected in full (`contracts_complete`, month end R20).
    COMPLETED = "completed", pgettext_lazy("contract status", "Completed")
    TERMINATED = "terminated", _("Terminated")


NUMBERED_STATUSES = (ContractStatus.ACTIVE, ContractStatus.COMPLETED, ContractStatus.TERMINATED)


class Contract(ConcurrentTransitionMixin, ApprovableDocument):
    """合同: drafted by a clerk from an approved order with the same lines and amounts (R8),
    with the payment terms of R9; active once the head of sales and finance have both signed,
    and only then numbered HT-YYYY-NNNNN (gapless per year)."""

    approval_document_type = DocumentType.CONTRACT
    approval_template = "contracts/approval/contract.html"

    number = models.CharField(_("number"), max_length=20, null=True, blank=True, editable=False)
    order = models.OneToOneField(
        Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="contract"
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="contracts"
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="contracts",
    )
    status = FSMField(
        _("status"), default=ContractStatus.DRAFT, choices=ContractStatus.choices, protected=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    net_amount = AmountField(_("net amount"))
    tax_amount = AmountField(_("tax amount"))
    gross_amount = AmountField(_("gross amount"))
    # Terms (R9).
    first_payment_ratio = _rate_field(_("first payment ratio"), "0.3000")
    credit_days = models.PositiveIntegerField(_("credit days"), default=0)
    interest_rate_daily = _rate_field(_("overdue interest per day"), "0.0005")
    invoice_threshold = _rate_field(_("invoice threshold"), "0.6000")
    commission_rate = _rate_field(_("commission rate"), "0.0200")
    # The clauses printed after the terms: the version active when the contract was drafted.
    clause_set = models.ForeignKey(
        ContractClauseSet,
        verbose_name=_("contract clause set"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="contracts",
    )
    # 交货日期, 交货地点, 付款方式: the order's, copied at draft and changed with the terms.
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    delivery_place = models.CharField(_("delivery place"), max_length=200, blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    history = HistoricalRecords()  # R24

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="contract_number_unique"),
            models.CheckConstraint(
                condition=(Q(status__in=NUMBERED_STATUSES) & Q(number__isnull=False))
                | (~Q(status__in=NUMBERED_STATUSES) & Q(number__isnull=True)),
                name="contract_numbered_when_active",
            ),
            models.CheckConstraint(
                condition=Q(gross_amount__gte=0) & Q(net_amount__gte=0) & Q(tax_amount__gte=0),
                name="contract_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(first_payment_ratio__gte=0)
                & Q(first_payment_ratio__lte=1)
                & Q(interest_rate_daily__gte=0)
                & Q(interest_rate_daily__lte=1)
                & Q(invoice_threshold__gte=0)
                & Q(invoice_threshold__lte=1)
                & Q(commission_rate__gte=0)
                & Q(commission_rate__lte=1),
                name="contract_rates_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="contract_customer_status_idx"),
            models.Index(fields=["salesperson", "status"], name="contract_salesperson_idx"),
            models.Index(fields=["created_at", "id"], name="contract_created_idx"),  # lists
        ]

    TERMS = (
        "first_payment_ratio",
        "credit_days",
        "interest_rate_daily",
        "invoice_threshold",
        "commission_rate",
        "delivery_date",
        "delivery_place",
        "payment_method",
    )

    def __str__(self) -> str:
        return f"{self.display_number} {self.customer.name}"

    @property
    def display_number(self) -> str:
        return self.number or unnumbered_draft(self.pk)

    @property
    def first_payment_amount(self) -> Decimal:
        return money(self.gross_amount * self.first_payment_ratio)

    def get_absolute_url(self) -> str:
        return reverse("contract-detail", args=[self.pk])

    def approval_pdf_url(self) -> str | None:
        return reverse("contract-pdf", args=[self.pk])

    # -- approval (R8, R21) ----------------------------------------------------------------
    def approval_number(self) -> str:
        """Empty until the contract is numbered at activation (R8): the inbox then calls it as
        its page does (`ApprovalRequest.display_number`)."""
        return self.number or ""

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related(
            "customer", "salesperson", "created_by", "order"
        ).prefetch_related(models.Prefetch("lines", ContractLine.objects.select_related("product")))

    def approval_granted(self, *, request: ApprovalRequest, actor: "User") -> None:
        from contracts.services import contract_activate

        contract_activate(contract=self, request=request, actor=actor)

    # -- transitions ----------------------------------------------------------------------------
    @transition(field=status, source=ContractStatus.DRAFT, target=ContractStatus.PENDING_SIGNOFF)
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=ContractStatus.PENDING_SIGNOFF,
        target=ContractStatus.ACTIVE,
        conditions=[approval_is_granted],
    )
    def activate(self) -> None:
        pass

    @transition(
        field=status,
        source=ContractStatus.PENDING_SIGNOFF,
        target=ContractStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(field=status, source=ContractStatus.ACTIVE, target=ContractStatus.TERMINATED)
    def terminate(self) -> None:
        pass

    @transition(field=status, source=ContractStatus.ACTIVE, target=ContractStatus.COMPLETED)
    def complete(self) -> None:
        """Finished: delivered, invoiced and collected in full (`contracts_complete`)."""

    @transition(field=status, source=ContractStatus.COMPLETED, target=ContractStatus.ACTIVE)
    def reopen(self) -> None:
        """A correction (a receipt reversed, a red invoice issued) left something to do."""
        self.completed_on = None


register(Contract)

# Who approves a contract (R8; approvals.chains): the co-sign of the head of sales and
# finance — one sequence, both required, in either order.
register_default_chain(
    ApprovalChain(
        DocumentType.CONTRACT,
        "合同会签 Contract co-sign",
        steps=[
            Step(Role.SALES_HEAD, sequence=1),
            Step(Role.FINANCE, sequence=1),
        ],
    )
)


class ContractLine(models.Model):
    """A line of a contract: a copy of its order line (R8: same lines and amounts)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.OneToOneField(
        OrderLine,
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        related_name="contract_line",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = QuantityField(_("quantity"))
    unit_price = AmountField(_("unit price"))
    tax_rate = models.DecimalField(_("tax rate"), max_digits=5, decimal_places=4)
    net = AmountField(_("net"))
    tax = AmountField(_("tax"))
    gross = AmountField(_("gross"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contract line")
        verbose_name_plural = _("contract lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="contractline_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="contractline_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(gross=Round(models.F("net") + models.F("tax"), 2)),
                name="contractline_gross_is_net_plus_tax",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


def _amount(label):
    return AmountField(label, default=ZERO)


class ContractLedger(models.Model):
    """合同台帐: a contract's running figures (gross amounts), kept by the services of the
    events that change them, with F() in the event's transaction (STYLE: counters). Reading
    them never sums history. Later apps (inventory, finance) write through the
    `ledger_add_*` services of contracts/services/ledger.py (DESIGN §5)."""

    contract = models.OneToOneField(
        Contract,
        verbose_name=_("contract"),
        on_delete=models.CASCADE,
        related_name="ledger",
        primary_key=True,
    )
    contracted = _amount(_("contracted"))
    shipped = _amount(_("shipped"))
    delivered = _amount(_("delivered"))
    invoiced = _amount(_("invoiced"))
    collected = _amount(_("collected"))
    due = _amount(_("due"))
    overdue = _amount(_("overdue"))
    interest = _amount(_("interest posted"))
    interest_accrued = _amount(_("interest accrued"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    FIGURES = (
        "contracted",
        "shipped",
        "delivered",
        "invoiced",
        "collected",
        "due",
        "overdue",
        "interest",
        "interest_accrued",
    )

    class Meta:
        verbose_name = _("contract ledger")
        verbose_name_plural = _("contract ledgers")
        constraints = [
            models.CheckConstraint(
                condition=Q(contracted__gte=0)
                & Q(shipped__gte=0)
                & Q(delivered__gte=0)
                & Q(invoiced__gte=0)
                & Q(collected__gte=0)
                & Q(due__gte=0)
                & Q(overdue__gte=0)
                & Q(interest__gte=0)
                & Q(interest_accrued__gte=0),
                name="contractledger_figures_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}"

    @property
    def outstanding(self) -> Decimal:
        return money(self.contracted - self.collected)

    @property
    def collection_ratio(self) -> Decimal:
        if not self.contracted:
            return Decimal("0.0000")
        return rate(self.collected / self.contracted)

    def first_payment_received_for(self, first_payment_ratio: Decimal) -> bool:
        if not self.contracted:
            return False
        return self.collected >= money(self.contracted * first_payment_ratio)


class ContractDue(models.Model):
    """One delivered amount and the day it falls due: delivery date + the contract's credit
    days (R18). Written with the ledger's `delivered` by `ledger_add_delivered`; the overdue
    amount as of any date is read from these and the ledger's `collected` (R4, R12, R18)."""

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="dues"
    )
    delivered_on = models.DateField(_("delivered on"))
    due_on = models.DateField(_("due on"), db_index=True)
    amount = AmountField(_("amount"))
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("amount due")
        verbose_name_plural = _("amounts due")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["contract", "due_on"], name="contractdue_contract_idx")]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.amount} @ {self.due_on}"
