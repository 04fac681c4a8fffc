"""Litigation follow-up (R18): a contract whose oldest unpaid due is more than 90 days past is
flagged by the daily job; finance and the sales manager follow it up here (owner, notes,
status). Writes: finance/services/litigation.py."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from core.fields import AmountField

# R18: overdue more than this many days flags the contract for litigation follow-up.
LITIGATION_DAYS = 90


class LitigationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("litigation status", "Open")
    IN_PROGRESS = "in_progress", pgettext_lazy("litigation status", "In progress")
    CLOSED = "closed", pgettext_lazy("litigation status", "Closed")


class LitigationCase(ConcurrentTransitionMixin, models.Model):
    """诉讼跟进: a contract overdue more than 90 days (R18). `amount` (the contract's overdue)
    and `oldest_due_on` (its oldest unpaid due date) are refreshed by the daily job while the
    case is not closed; the days overdue are counted from `oldest_due_on` when read. One case
    per contract that is not closed (a partial unique constraint)."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="litigation_cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="litigation_cases",
    )
    amount = AmountField(_("overdue amount"))
    oldest_due_on = models.DateField(_("oldest unpaid due date"))
    notes = models.TextField(_("notes"), blank=True)
    status = FSMField(
        _("status"),
        max_length=20,
        choices=LitigationStatus.choices,
        default=LitigationStatus.OPEN,
        protected=True,
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])  # R24

    class Meta:
        ordering = ["oldest_due_on", "id"]
        verbose_name = _("litigation case")
        verbose_name_plural = _("litigation cases")
        constraints = [
            models.UniqueConstraint(
                fields=["contract"],
                condition=~Q(status="closed"),
                name="litigationcase_one_open_per_contract",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="litigationcase_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} ({self.get_status_display()})"

    def days_overdue(self, as_of: datetime.date | None = None) -> int:
        """Days past the oldest unpaid due date, as of `as_of` (default today)."""
        return ((as_of or timezone.localdate()) - self.oldest_due_on).days

    @transition(field=status, source=LitigationStatus.OPEN, target=LitigationStatus.IN_PROGRESS)
    def start(self) -> None:
        """Someone has taken the case up (a letter, a lawyer)."""

    @transition(
        field=status,
        source=[LitigationStatus.OPEN, LitigationStatus.IN_PROGRESS],
        target=LitigationStatus.CLOSED,
    )
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=LitigationStatus.CLOSED, target=LitigationStatus.IN_PROGRESS)
    def reopen(self) -> None:
        self.closed_at = None
