"""Commission slips (提成单, R19): per salesperson and month, computed, never typed.

A slip has a line per contract of the salesperson with money collected in the month or
interest accrued on it in the month: what was collected (from the journal), the contract's
commission rate, the amount (collected × rate, to the cent) and the interest. The slip's
offset is the month's interest, `carried_in` the deficit of the month before; its total never
goes below zero — `total = max(0, gross − offset − carried_in)` and the rest is `carried_out`
to the next month. A draft is recomputed on every read and by `recompute`; the figures are
frozen at submit (numbered TC-YYYY-NNNNN then). Chain: finance → the VP of finance → the
general manager (finance/models/chains.py); approval books the expense, payment the bank.
How the figures are computed: finance/selectors.py (`commission_figures`); writes:
finance/services/commission.py.
"""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from approvals.documents import (
    ApprovableDocument,
    approval_is_closed_unapproved,
    approval_is_granted,
    register,
)
from approvals.models import ApprovalRequest, DocumentType, unnumbered_draft
from core.fields import AmountField

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ZERO = Decimal("0.00")


class CommissionSlipStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", pgettext_lazy("commission slip status", "In approval")
    APPROVED = "approved", pgettext_lazy("commission slip status", "Approved")
    PAID = "paid", pgettext_lazy("commission slip status", "Paid")
    CANCELLED = "cancelled", pgettext_lazy("commission slip status", "Cancelled")


# Statuses whose figures are stored and never recomputed (frozen at submit, R19).
FROZEN_STATUSES = (
    CommissionSlipStatus.SUBMITTED,
    CommissionSlipStatus.APPROVED,
    CommissionSlipStatus.PAID,
)


class CommissionSlip(ConcurrentTransitionMixin, ApprovableDocument):
    """提成单: a salesperson's commission of one month (R19). Draft (recomputed live) → in
    approval (frozen, numbered) → approved (commission payable booked) → paid; a rejection
    returns it to draft, a draft may be cancelled."""

    approval_document_type = DocumentType.COMMISSION_SLIP
    approval_template = "finance/approval/commission_slip.html"

    number = models.CharField(_("number"), max_length=20, null=True, blank=True, editable=False)
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="commission_slips",
    )
    period = models.CharField(_("period"), max_length=7, help_text="YYYY-MM")
    status = FSMField(
        _("status"),
        default=CommissionSlipStatus.DRAFT,
        choices=CommissionSlipStatus.choices,
        protected=True,
    )
    collected = AmountField(_("collected"), default=ZERO)
    gross = AmountField(_("commission before offset"), default=ZERO)
    offset = AmountField(_("interest offset"), default=ZERO)
    carried_in = AmountField(_("carried in"), default=ZERO)
    total = AmountField(_("total"), default=ZERO)
    carried_out = AmountField(_("carried out"), default=ZERO)
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paid by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords(excluded_fields=["computed_at"])  # R24

    class Meta:
        verbose_name = _("commission slip")
        verbose_name_plural = _("commission slips")
        ordering = ["-period", "salesperson_id", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="commissionslip_number_unique"),
            # R19: one slip per salesperson and month (a cancelled draft does not count).
            models.UniqueConstraint(
                fields=["salesperson", "period"],
                condition=~Q(status=CommissionSlipStatus.CANCELLED),
                name="commissionslip_one_per_salesperson_period",
                violation_error_message=_("This salesperson already has a slip for this month."),
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0)
                & Q(carried_out__gte=0)
                & Q(carried_in__gte=0)
                & Q(offset__gte=0),
                name="commissionslip_never_below_zero",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=FROZEN_STATUSES) | Q(number__isnull=False),
                name="commissionslip_numbered_once_submitted",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"], name="commissionslip_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.display_number} {self.period}"

    @property
    def display_number(self) -> str:
        return self.number or unnumbered_draft(self.pk)

    @property
    def is_draft(self) -> bool:
        return self.status == CommissionSlipStatus.DRAFT

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    def get_absolute_url(self) -> str:
        return reverse("commission-slip-detail", args=[self.pk])

    def approval_pdf_url(self) -> str | None:
        return reverse("commission-slip-pdf", args=[self.pk])

    # -- approval (R19, R21) ------------------------------------------------------------------
    def approval_number(self) -> str:
        return self.number or ""

    def approval_amount(self) -> Decimal:
        return self.total

    def approval_customer(self):
        return None

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("salesperson", "created_by").prefetch_related(
            models.Prefetch("lines", CommissionSlipLine.objects.select_related("contract"))
        )

    def approval_granted(self, *, request: ApprovalRequest, actor: "User") -> None:
        from finance.services.commission import commission_slip_approve

        commission_slip_approve(slip=self, request=request, actor=actor)

    # -- transitions --------------------------------------------------------------------------
    @transition(
        field=status, source=CommissionSlipStatus.DRAFT, target=CommissionSlipStatus.SUBMITTED
    )
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=CommissionSlipStatus.SUBMITTED,
        target=CommissionSlipStatus.APPROVED,
        conditions=[approval_is_granted],
    )
    def approve(self) -> None:
        pass

    @transition(
        field=status,
        source=CommissionSlipStatus.SUBMITTED,
        target=CommissionSlipStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(
        field=status, source=CommissionSlipStatus.APPROVED, target=CommissionSlipStatus.PAID
    )
    def pay(self) -> None:
        pass

    @transition(
        field=status, source=CommissionSlipStatus.DRAFT, target=CommissionSlipStatus.CANCELLED
    )
    def cancel(self) -> None:
        pass


class CommissionSlipLine(models.Model):
    """One contract of a slip: collected in the month (negative when a receipt was reversed),
    the contract's rate, the commission on it and the interest accrued on it in the month."""

    slip = models.ForeignKey(
        CommissionSlip, verbose_name=_("slip"), on_delete=models.CASCADE, related_name="lines"
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    collected = AmountField(_("collected"))
    rate = models.DecimalField(_("commission rate"), max_digits=5, decimal_places=4)
    amount = AmountField(_("commission"))
    interest = AmountField(_("interest"), default=ZERO)

    class Meta:
        verbose_name = _("commission slip line")
        verbose_name_plural = _("commission slip lines")
        ordering = ["slip", "contract_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["slip", "contract"], name="commissionslipline_one_per_contract"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.amount}"


register(CommissionSlip)
# Who approves a commission slip: finance/models/chains.py (finance → VP of finance → GM).
