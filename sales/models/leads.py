"""Leads 潜在客户 and their contacts (R26): graded A/B/C, followed up on a clock
(`sales.leads_clock`), converted into a customer (R1) that keeps the lead's history."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition
from simple_history.models import HistoricalRecords

from core.fields import AmountField
from sales.models.customers import Customer, normalise_company_name, phone_validator


class LeadGrade(models.TextChoices):
    A = "A", _("A (hot)")
    B = "B", _("B (warm)")
    C = "C", _("C (cold)")


class LeadStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("lead", "Open")
    CONVERTED = "converted", _("Converted")
    CLOSED = "closed", pgettext_lazy("lead", "Closed")


class LeadSource(models.TextChoices):
    EXHIBITION = "exhibition", _("Exhibition")
    REFERRAL = "referral", _("Referral")
    WEBSITE = "website", _("Website")
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    OTHER = "other", _("Other")


class ContactChannel(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    OTHER = "other", _("Other")


class Lead(models.Model):
    """潜在客户 (R26). `next_contact_due` is kept by the services through `sales.leads_clock`."""

    company = models.CharField(_("company"), max_length=200)
    # `normalise_company_name(company)`, kept by save(): how an import finds a duplicate lead
    company_key = models.CharField(max_length=200, db_index=True, editable=False, default="")
    contact_name = models.CharField(_("contact person"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    size = models.CharField(_("company size"), max_length=100, blank=True)
    business = models.CharField(_("business"), max_length=200, blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=LeadSource.choices, default=LeadSource.OTHER
    )
    current_supplier = models.CharField(_("current supplier"), max_length=200, blank=True)
    need = models.TextField(_("need"), blank=True)
    budget = AmountField(_("budget"), null=True, blank=True)
    decision_power = models.CharField(_("decision power"), max_length=200, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=LeadGrade.choices)
    grade_reason = models.CharField(_("grade reason"), max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_leads",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=LeadStatus.choices, default=LeadStatus.OPEN
    )
    next_contact_due = models.DateTimeField(_("next contact due"), null=True, blank=True)
    last_contacted_at = models.DateTimeField(_("last contacted at"), null=True, blank=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="leads",
        null=True,
        blank=True,
    )
    # the capture: R26's clock starts here (set by lead_create, so a test can set the time)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    history = HistoricalRecords(excluded_fields=["company_key"])  # R24; kept after conversion

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-id"]
        indexes = [
            # the follow-up lists: open leads by owner and due (R26)
            models.Index(fields=["status", "owner", "next_contact_due"], name="lead_followup_idx"),
            models.Index(fields=["status", "next_contact_due"], name="lead_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.company} ({self.grade})"

    def save(self, *args, **kwargs):
        self.company_key = normalise_company_name(self.company)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "company" in update_fields:
            kwargs["update_fields"] = {*update_fields, "company_key"}
        super().save(*args, **kwargs)


class LeadContact(models.Model):
    """A follow-up contact with a lead: when, how, what was said, what next."""

    lead = models.ForeignKey(
        Lead, verbose_name=_("lead"), on_delete=models.CASCADE, related_name="contacts"
    )
    contacted_at = models.DateTimeField(_("contacted at"))
    channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices)
    note = models.TextField(_("note"))
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lead contact")
        verbose_name_plural = _("lead contacts")
        ordering = ["-contacted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.contacted_at:%Y-%m-%d} {self.channel}"


class ReminderKind(models.TextChoices):
    DUE_TODAY = "due_today", _("Due today")
    OVERDUE = "overdue", _("Overdue")


class LeadReminder(models.Model):
    """A reminder mailed for a lead's follow-up (R26): one per lead, due and kind, recorded with
    the send so a rerun of the task sends nothing twice."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="reminders")
    due = models.DateTimeField(_("due"))
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("lead reminder")
        verbose_name_plural = _("lead reminders")
        constraints = [
            models.UniqueConstraint(fields=["lead", "due", "kind"], name="leadreminder_once")
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.kind} {self.due:%Y-%m-%d}"


class LeadImportStatus(models.TextChoices):
    PREVIEWED = "previewed", _("Previewed")
    COMMITTED = "committed", _("Committed")


class LeadImport(models.Model):
    """A sheet of leads uploaded for import (R26, issue 15 item 7): the rows as read, each with
    its errors by column and the leads it duplicates, kept so the importer decides per duplicate
    and commits without uploading again; committed once, then the audit trail of what came in.
    `rows` is a list of {"row", "values" {field: text}, "errors" [{"column", "field",
    "message"}], "duplicates" [{"kind", "id", "label", "by"}], "decision", "outcome", "lead"}.
    Writes: sales/services/lead_imports.py."""

    filename = models.CharField(_("file name"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    status = FSMField(
        _("status"),
        max_length=10,
        choices=LeadImportStatus.choices,
        default=LeadImportStatus.PREVIEWED,
        protected=True,
    )
    columns = models.JSONField(_("columns"), default=dict)  # field -> the sheet's header
    rows = models.JSONField(_("rows"), default=list)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    duplicate_count = models.PositiveIntegerField(_("duplicates"), default=0)
    created_count = models.PositiveIntegerField(_("leads created"), default=0)
    skipped_count = models.PositiveIntegerField(_("rows skipped"), default=0)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead import")
        verbose_name_plural = _("lead imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.pk} {self.filename}"

    @transition(field=status, source=LeadImportStatus.PREVIEWED, target=LeadImportStatus.COMMITTED)
    def commit(self) -> None:
        """The rows decided on have been written; the batch cannot be committed again."""
