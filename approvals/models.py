"""The approval engine's records (R21): policies as data, one request per submission with its
steps, immutable decisions, and delegations."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from core.fields import AmountField
from core.roles import Role


class DocumentType(models.TextChoices):
    PRICE_LIST = "price_list", _("Price list")
    CREDIT_CHANGE = "credit_change", _("Credit change")
    QUOTATION = "quotation", _("Quotation")
    ORDER = "order", pgettext_lazy("document", "Order")
    CONTRACT = "contract", _("Contract")
    PRODUCTION_NOTICE = "production_notice", _("Production notice")
    SHIPPING_NOTICE = "shipping_notice", _("Shipping notice")
    SERVICE_DISPATCH = "service_dispatch", _("Service dispatch")
    INVOICE = "invoice", _("Invoice")
    COMMISSION_SLIP = "commission_slip", _("Commission slip")
    RECONCILIATION = "reconciliation", _("Month-end reconciliation")


class ApprovalPolicy(models.Model):
    """审批流程: the chain of steps for one document type. Edited in the admin; a change
    applies to submissions made after it (a request keeps the steps it started with)."""

    document_type = models.CharField(
        _("document type"), max_length=30, choices=DocumentType.choices, unique=True
    )
    name = models.CharField(_("name"), max_length=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("approval policy")
        verbose_name_plural = _("approval policies")
        ordering = ["document_type"]

    def __str__(self) -> str:
        return self.name


class PolicyStep(models.Model):
    """One step: a role, at a sequence number. Steps sharing a sequence are all required, in
    any order (a co-sign); the next sequence opens when they are all approved."""

    policy = models.ForeignKey(
        ApprovalPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="steps"
    )
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    min_amount = AmountField(
        _("minimum amount"),
        null=True,
        blank=True,
        help_text=_("The step applies only when the document amount is at least this."),
    )
    only_on_hold = models.BooleanField(
        _("only on credit hold"),
        default=False,
        help_text=_("The step applies only when the document is on credit hold."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("policy step")
        verbose_name_plural = _("policy steps")
        ordering = ["policy", "sequence", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "sequence", "role"], name="policystep_unique_role_in_sequence"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sequence}. {self.get_role_display()}"

    def applies(self, *, amount: Decimal | None, on_hold: bool) -> bool:
        if self.only_on_hold and not on_hold:
            return False
        return not (self.min_amount is not None and (amount or Decimal("0")) < self.min_amount)


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ApprovalRequest(ConcurrentTransitionMixin, models.Model):
    """审批单: one submission of one document. The document is referred to by type and id
    (approvals knows no document model, DESIGN §5); what the inbox shows is copied here."""

    document_type = models.CharField(
        _("document type"), max_length=30, choices=DocumentType.choices
    )
    document_id = models.PositiveBigIntegerField(_("document id"))
    document_number = models.CharField(_("number"), max_length=40, blank=True)
    status = FSMField(
        _("status"),
        default=RequestStatus.PENDING,
        choices=RequestStatus.choices,
        protected=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    amount = AmountField(_("amount"), null=True)
    customer_id = models.PositiveBigIntegerField(_("customer id"), null=True)
    customer_name = models.CharField(_("customer"), max_length=200, blank=True)
    on_hold = models.BooleanField(_("credit hold"), default=False)
    current_sequence = models.PositiveSmallIntegerField(_("current sequence"), null=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True)

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "document_id"],
                condition=Q(status="pending"),
                name="approvalrequest_one_pending_per_document",
            )
        ]
        indexes = [
            models.Index(fields=["document_type", "document_id"], name="approval_document_idx"),
            models.Index(fields=["status", "created_at"], name="approval_status_created_idx"),
            models.Index(fields=["created_at", "id"], name="approval_created_idx"),  # lists
        ]

    def __str__(self) -> str:
        return f"{self.get_document_type_display()} {self.display_number}"

    @property
    def display_number(self) -> str:
        """The document's number, or — for a document numbered only when approved (a contract,
        R8) — the same "Draft #id" its own page shows."""
        return self.document_number or unnumbered_draft(self.document_id)

    @transition(field=status, source=RequestStatus.PENDING, target=RequestStatus.APPROVED)
    def approve(self) -> None:
        self.current_sequence = None

    @transition(field=status, source=RequestStatus.PENDING, target=RequestStatus.REJECTED)
    def reject(self) -> None:
        self.current_sequence = None

    @transition(field=status, source=RequestStatus.PENDING, target=RequestStatus.WITHDRAWN)
    def withdraw(self) -> None:
        self.current_sequence = None


def unnumbered_draft(document_id: int) -> str:
    """How a document that gets its number only when approved is called until then, on its
    page, in the inbox, in mails and messages alike."""
    return pgettext("document without a number yet", "Draft #%(id)s") % {"id": document_id}


class StepStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OPEN = "open", _("Open")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


class RequestStep(models.Model):
    """A step of one request, copied from the policy at submission."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="steps")
    sequence = models.PositiveSmallIntegerField(_("sequence"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING
    )

    class Meta:
        ordering = ["sequence", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "sequence", "role"], name="requeststep_unique_role"
            )
        ]
        indexes = [models.Index(fields=["status", "role"], name="requeststep_open_role_idx")]

    def __str__(self) -> str:
        return f"{self.sequence}. {self.role} ({self.status})"


class DecisionKind(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Decision(models.Model):
    """审批记录: who decided what, in which role, when, with which comment, from where.
    Never changed or deleted (R21): the database refuses a second decision on a step or a
    second decision by the same person on a request."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="decisions")
    step = models.ForeignKey(
        RequestStep, on_delete=models.PROTECT, null=True, related_name="decisions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        related_name="approval_decisions",
    )
    role = models.CharField(_("role"), max_length=30, blank=True, choices=Role.choices)
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=10, choices=DecisionKind.choices)
    comment = models.TextField(_("comment"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["decided_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["step"], condition=Q(step__isnull=False), name="decision_one_per_step"
            ),
            models.UniqueConstraint(
                fields=["request", "user"],
                condition=Q(decision__in=["approved", "rejected"]),
                name="decision_one_per_person_per_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.decision} {self.request}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("Approval decisions are immutable (R21).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("Approval decisions are immutable (R21).")


class Delegation(models.Model):
    """委托: a user hands one of their roles to another for a date range. Decisions made
    with it show "on behalf of" the delegator."""

    delegator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegator"),
        on_delete=models.PROTECT,
        related_name="delegations_given",
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegate"),
        on_delete=models.PROTECT,
        related_name="delegations_received",
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")),
                name="delegation_range_in_order",
                violation_error_message=_("The end date is before the start date."),
            ),
            models.CheckConstraint(
                condition=~Q(delegator=models.F("delegate")),
                name="delegation_not_to_self",
                violation_error_message=_("A role cannot be delegated to oneself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegator} → {self.delegate}: {self.role}"


class Notification(models.Model):
    """An email the engine sent, so a retried task never sends it twice."""

    class Kind(models.TextChoices):
        STEP_OPENED = "step_opened", _("Step opened")
        RETURNED = "returned", _("Returned to author")
        DIGEST = "digest", _("Daily digest")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        ApprovalRequest, on_delete=models.CASCADE, null=True, related_name="notifications"
    )
    sequence = models.PositiveSmallIntegerField(null=True)
    day = models.DateField(null=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "user", "request", "sequence"],
                condition=Q(request__isnull=False),
                name="notification_once_per_step",
            ),
            models.UniqueConstraint(
                fields=["kind", "user", "day"],
                condition=Q(day__isnull=False),
                name="notification_digest_once_a_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user_id}"
