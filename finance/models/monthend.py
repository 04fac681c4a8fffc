"""Month end (R20): the run that posts a month's interest, reconciles every contract's ledger
against its sources and closes what is finished; its confirmation by the sales manager and
finance (a co-sign through the one approval engine, R21); and the history of each month's
close and reopen. Writes: finance/services/monthend.py.

A month's status is read from these rows and `core.ClosedPeriod`: open (no run), run (a run
computed or running), confirmed (its run confirmed), closed (a `ClosedPeriod` row)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from approvals.chains import ApprovalChain, Step, register_default_chain
from approvals.documents import ApprovableDocument, register
from approvals.models import DocumentType
from core.fields import AmountField
from core.roles import Role

# Who confirms a month's reconciliation (R20, R21): the sales manager and finance, in either
# order (one sequence: a co-sign).
register_default_chain(
    ApprovalChain(
        DocumentType.RECONCILIATION,
        "月末对账确认 Month-end reconciliation",
        steps=[Step(Role.SALES_MANAGER, sequence=1), Step(Role.FINANCE, sequence=1)],
    )
)


class ReconciliationStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPUTED = "computed", _("Awaiting confirmation")
    CONFIRMED = "confirmed", pgettext_lazy("reconciliation status", "Confirmed")
    RETURNED = "returned", _("Returned")
    FAILED = "failed", _("Failed")


class RunStep(models.TextChoices):
    QUEUED = "queued", _("Queued")
    INTEREST = "interest", _("Posting interest")
    RECONCILE = "reconcile", _("Reconciling contracts")
    DOCUMENTS = "documents", _("Closing finished documents")
    COMMISSION = "commission", _("Preparing commission slips")
    DONE = "done", _("Done")


class Figure(models.TextChoices):
    """The contract ledger's figures a run reconciles, with where each one's truth lives."""

    CONTRACTED = "contracted", _("contracted")
    SHIPPED = "shipped", _("shipped")
    DELIVERED = "delivered", _("delivered")
    INVOICED = "invoiced", _("invoiced")
    COLLECTED = "collected", _("collected")
    INTEREST = "interest", _("interest posted")


class Source(models.TextChoices):
    JOURNAL = "journal", _("journal")
    DOCUMENTS = "documents", _("documents")


class Reconciliation(ApprovableDocument):
    """月末对账: one per month, run again in place (the run is idempotent: the same books give
    the same differences, and a confirmation stands while they do)."""

    approval_document_type = DocumentType.RECONCILIATION
    approval_author_field = "started_by"
    approval_template = "finance/approval/reconciliation.html"

    period = models.CharField(_("period"), max_length=7, unique=True)  # YYYY-MM
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ReconciliationStatus.choices,
        default=ReconciliationStatus.RUNNING,
    )
    step = models.CharField(_("step"), max_length=12, choices=RunStep.choices, default="queued")
    done = models.PositiveIntegerField(_("contracts done"), default=0)
    total = models.PositiveIntegerField(_("contracts in all"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    heartbeat_at = models.DateTimeField(_("last sign of life"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    # Which run may write: a run started again (after a worker died) gets a new token, and a
    # task still holding the old one stops at its next step.
    run_token = models.CharField(_("run token"), max_length=32, editable=False)
    # What the run saw: journal entries dated in the month (a close compares it, so that a
    # posting made after the run cannot slip into a closed month unreconciled), and a digest
    # of its differences (a run that finds the same ones keeps the confirmation).
    journal_entries = models.PositiveIntegerField(_("journal entries in the month"), default=0)
    digest = models.CharField(_("digest"), max_length=64, blank=True)
    difference_count = models.PositiveIntegerField(_("differences"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["-period"]
        verbose_name = _("month-end reconciliation")
        verbose_name_plural = _("month-end reconciliations")

    def __str__(self) -> str:
        return self.period

    @property
    def number(self) -> str:
        """What the pages call it (core.pages.document_action's messages): its month."""
        return self.period

    def get_absolute_url(self) -> str:
        return reverse("month-end-detail", args=[self.period])

    # -- the approval engine (R21) ---------------------------------------------------------
    def approval_number(self) -> str:
        return self.period

    def approval_amount(self):
        return None

    def approval_customer(self):
        return None

    def approval_granted(self, *, request, actor) -> None:
        from finance.services.monthend import reconciliation_confirmed

        reconciliation_confirmed(reconciliation=self, actor=actor)

    def approval_returned(self, *, request, actor, comment: str) -> None:
        from finance.services.monthend import reconciliation_returned

        reconciliation_returned(reconciliation=self, actor=actor)


register(Reconciliation)


class Difference(models.Model):
    """One figure of one contract that disagrees with its source of truth in a run."""

    reconciliation = models.ForeignKey(
        Reconciliation,
        verbose_name=_("reconciliation"),
        on_delete=models.CASCADE,
        related_name="differences",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    figure = models.CharField(_("figure"), max_length=12, choices=Figure.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    ledger_value = AmountField(_("ledger"))
    source_value = AmountField(_("source"))
    difference = AmountField(_("difference"))

    class Meta:
        ordering = ["contract_id", "figure"]
        verbose_name = _("reconciliation difference")
        verbose_name_plural = _("reconciliation differences")
        constraints = [
            models.UniqueConstraint(
                fields=["reconciliation", "contract", "figure"], name="difference_once"
            ),
            models.CheckConstraint(condition=~Q(difference=0), name="difference_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.figure}: {self.difference}"


class PeriodAction(models.TextChoices):
    RUN = "run", _("Run started")
    COMPUTED = "computed", _("Run finished")
    CONFIRMED = "confirmed", pgettext_lazy("period action", "Confirmed")
    CLOSED = "closed", pgettext_lazy("period action", "Closed")
    REOPENED = "reopened", _("Reopened")


class PeriodEvent(models.Model):
    """A month's history (R24): every run, confirmation, close and reopen, who and when, with
    the reason of a reopen. Never changed."""

    period = models.CharField(_("period"), max_length=7, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=PeriodAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["period", "at", "id"]
        verbose_name = _("period event")
        verbose_name_plural = _("period events")

    def __str__(self) -> str:
        return f"{self.period} {self.action}"
