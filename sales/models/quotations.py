"""Quotations and bids 报价/投标 (R27): for a customer or a lead, lines like an order (R5), a
validity date and, for a bid, the tender's deadline; reviewed through the one approval engine
(the sales head, above 800,000 also the marketing director); the outcome won or lost; a won
quotation becomes a draft order with the same lines (`sales.services.quotations`)."""

from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.conf import settings
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
from core.roles import Role
from sales.models.catalogue import PriceList
from sales.models.customers import Customer
from sales.models.leads import Lead
from sales.models.orders import Order, PricedLine

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class QuotationKind(models.TextChoices):
    QUOTATION = "quotation", _("Quotation")
    BID = "bid", _("Bid")


class QuotationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", pgettext_lazy("quotation status", "Approved")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    CANCELLED = "cancelled", _("Cancelled")


class Quotation(ConcurrentTransitionMixin, ApprovableDocument):
    """报价单 / 投标: what a salesperson offers a customer or a lead (R27). Editable only in
    draft (R21); approved by the chain below; then won or lost; a won one becomes an order."""

    approval_document_type = DocumentType.QUOTATION
    approval_template = "sales/approval/quotation.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=QuotationKind.choices, default=QuotationKind.QUOTATION
    )
    # For a customer or for a lead: exactly one of the two (the constraint below). A lead's
    # quotation keeps its lead when the lead is converted; `customer` is then set too.
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="quotations",
        null=True,
        blank=True,
    )
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        on_delete=models.PROTECT,
        related_name="quotations",
        null=True,
        blank=True,
    )
    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.PROTECT, related_name="+"
    )
    status = FSMField(
        _("status"), default=QuotationStatus.DRAFT, choices=QuotationStatus.choices, protected=True
    )
    valid_until = models.DateField(_("valid until"))
    bid_deadline = models.DateField(_("bid deadline"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    net_amount = AmountField(_("net amount"), default=Decimal("0.00"))
    tax_amount = AmountField(_("tax amount"), default=Decimal("0.00"))
    gross_amount = AmountField(_("gross amount"), default=Decimal("0.00"))
    note = models.TextField(_("note"), blank=True)
    # The outcome: when it was recorded and, for a lost one, why (required).
    outcome_reason = models.CharField(_("outcome reason"), max_length=300, blank=True)
    decided_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    order = models.OneToOneField(
        Order,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="quotation",
        null=True,
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="quotations",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | Q(lead__isnull=False),
                name="quotation_for_customer_or_lead",
            ),
            models.CheckConstraint(
                condition=Q(gross_amount__gte=0) & Q(net_amount__gte=0) & Q(tax_amount__gte=0),
                name="quotation_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status=QuotationStatus.LOST) | ~Q(outcome_reason=""),
                name="quotation_lost_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="quotation_created_idx"),
            models.Index(fields=["status", "decided_at"], name="quotation_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.party_name}"

    @property
    def party_name(self) -> str:
        """Whom it is for: the customer's name, else the lead's company."""
        if self.customer_id is not None:
            return self.customer.name
        return self.lead.company

    @property
    def owner_id(self) -> int | None:
        """The salesperson who owns the party (R23)."""
        if self.customer_id is not None:
            return self.customer.owner_id
        return self.lead.owner_id

    def get_absolute_url(self) -> str:
        return reverse("quotation-detail", args=[self.pk])

    def approval_customer(self):
        """The customer; for a lead not yet converted, its company by name only (no customer
        id: the inbox links no customer)."""
        if self.customer_id is not None:
            return self.customer
        return SimpleNamespace(pk=None, name=self.lead.company)

    def approval_pdf_url(self) -> str | None:
        return reverse("quotation-pdf", args=[self.pk])

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("customer", "lead", "created_by").prefetch_related(
            models.Prefetch("lines", QuotationLine.objects.select_related("product"))
        )

    @transition(field=status, source=QuotationStatus.DRAFT, target=QuotationStatus.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=QuotationStatus.SUBMITTED,
        target=QuotationStatus.APPROVED,
        conditions=[approval_is_granted],
    )
    def approve(self) -> None:
        pass

    @transition(
        field=status,
        source=QuotationStatus.SUBMITTED,
        target=QuotationStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(field=status, source=QuotationStatus.APPROVED, target=QuotationStatus.WON)
    def win(self) -> None:
        pass

    @transition(field=status, source=QuotationStatus.APPROVED, target=QuotationStatus.LOST)
    def lose(self) -> None:
        pass

    @transition(field=status, source=QuotationStatus.DRAFT, target=QuotationStatus.CANCELLED)
    def cancel(self) -> None:
        pass

    def approval_granted(self, *, request, actor: "User") -> None:
        self.approve()
        self._history_user = actor
        self.save(update_fields=["status"])


register(Quotation)

# Who approves a quotation or bid (R27; approvals.chains): the head of sales, and above
# 800,000 also the marketing director.
register_default_chain(
    ApprovalChain(
        DocumentType.QUOTATION,
        "报价/投标审批 Quotation",
        steps=[
            Step(Role.SALES_HEAD, sequence=1),
            Step(Role.MARKETING_DIRECTOR, sequence=2, min_amount=Decimal("800000.01")),
        ],
    )
)


class QuotationLine(PricedLine):
    """A line of a quotation, priced like an order's (R5)."""

    quotation = models.ForeignKey(Quotation, on_delete=models.CASCADE, related_name="lines")
    history = HistoricalRecords()

    class Meta(PricedLine.Meta):
        verbose_name = _("quotation line")
        verbose_name_plural = _("quotation lines")
