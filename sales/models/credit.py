"""Credit change requests (信用变更申请, R2) and the nightly credit review's reminders."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
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
from core.fields import AmountField
from core.roles import Role
from sales.models.customers import Customer, RiskLevel

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class CreditChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Cancelled")


class CreditChangeRequest(ConcurrentTransitionMixin, ApprovableDocument):
    """信用变更申请 (R2): proposed by a sales manager or finance, approved by the general
    manager, applied to the customer in the approval's transaction."""

    approval_document_type = DocumentType.CREDIT_CHANGE
    approval_template = "sales/approval/credit_change.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="credit_changes",
    )
    credit_limit = AmountField(_("new credit limit"))
    credit_days = models.PositiveIntegerField(_("new credit days"))
    risk_level = models.CharField(_("new risk level"), max_length=10, choices=RiskLevel.choices)
    reason = models.TextField(_("reason"))
    # The customer's values when the change was applied (for the history on the customer page).
    previous_credit_limit = AmountField(_("previous credit limit"), null=True, blank=True)
    previous_credit_days = models.PositiveIntegerField(
        _("previous credit days"), null=True, blank=True
    )
    previous_risk_level = models.CharField(
        _("previous risk level"), max_length=10, blank=True, choices=RiskLevel.choices
    )
    status = FSMField(
        _("status"),
        default=CreditChangeStatus.DRAFT,
        choices=CreditChangeStatus.choices,
        protected=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit change request")
        verbose_name_plural = _("credit change requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="creditchange_limit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.name}"

    def get_absolute_url(self) -> str:
        return reverse("credit-change-detail", args=[self.pk])

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("customer", "created_by")

    def approval_amount(self):
        return self.credit_limit

    @transition(field=status, source=CreditChangeStatus.DRAFT, target=CreditChangeStatus.PENDING)
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=CreditChangeStatus.PENDING,
        target=CreditChangeStatus.APPROVED,
        conditions=[approval_is_granted],
    )
    def approve(self) -> None:
        pass

    @transition(
        field=status,
        source=CreditChangeStatus.PENDING,
        target=CreditChangeStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(field=status, source=CreditChangeStatus.DRAFT, target=CreditChangeStatus.CANCELLED)
    def cancel(self) -> None:
        pass

    def approval_granted(self, *, request, actor: "User") -> None:
        from sales.services.credit import credit_change_apply

        credit_change_apply(change=self, actor=actor)


register(CreditChangeRequest)

# Who approves a credit change (R2; approvals.chains): the general manager.
register_default_chain(
    ApprovalChain(
        DocumentType.CREDIT_CHANGE,
        "信用变更审批 Credit change",
        steps=[Step(Role.GENERAL_MANAGER, sequence=1)],
    )
)


class CreditReviewReminder(models.Model):
    """The day's email to a credit controller listing customers due for their annual credit
    review; recorded with the send so a rerun of the nightly job sends nothing twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    customers = models.PositiveIntegerField(_("customers listed"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit review reminder")
        verbose_name_plural = _("credit review reminders")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="creditreviewreminder_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
