"""Bank statements (银行对账单) imported by finance (issue 12 item 4, R16).

Finance uploads the bank's export (CSV or XLSX); each row becomes a line, matched to a customer
by the payer's name or a remembered payer → customer mapping. Finance reviews the lines,
chooses the customer and the allocations, and confirms: each confirmed line becomes a receipt
(bank transfer, received on the line's date, the bank's reference). A line is imported once:
the same date, amount and reference never make a second receipt, whichever statement it comes
in (a partial unique index on the imported lines). Writes: finance/services/bank.py.
"""

import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition

from core.fields import AmountField

# Column widths: the payer as long as a customer's name, the reference as a receipt's.
PAYER_MAX_LENGTH = 200
REFERENCE_MAX_LENGTH = 60


def payer_key(name: str) -> str:
    """A payer's or customer's name as it is compared: full-width forms folded (ＡＢＣ（集团）
    → abc(集团)), case ignored, spaces and punctuation dropped — so 上海 华东机械（集团）有限公司
    and 上海华东机械(集团)有限公司 are one payer."""
    text = unicodedata.normalize("NFKC", name or "").casefold()
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PZSC")


class BankStatementStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("bank statement status", "Open")
    DONE = "done", pgettext_lazy("bank statement status", "Done")


class BankStatementLineStatus(models.TextChoices):
    MATCHED = "matched", pgettext_lazy("bank line status", "Matched")
    UNMATCHED = "unmatched", pgettext_lazy("bank line status", "Unmatched")
    DUPLICATE = "duplicate", pgettext_lazy("bank line status", "Duplicate")
    INVALID = "invalid", pgettext_lazy("bank line status", "Invalid")
    IMPORTED = "imported", pgettext_lazy("bank line status", "Imported")


# Lines finance may still confirm into a receipt.
IMPORTABLE = (BankStatementLineStatus.MATCHED, BankStatementLineStatus.UNMATCHED)


class BankStatement(models.Model):
    """银行对账单: one uploaded file. Open while a line waits to be confirmed; done when every
    line is imported, a duplicate or invalid."""

    filename = models.CharField(_("file name"), max_length=200)
    status = FSMField(
        _("status"),
        max_length=20,
        choices=BankStatementStatus.choices,
        default=BankStatementStatus.OPEN,
        protected=True,
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")

    def __str__(self) -> str:
        return f"{self.pk} {self.filename}"

    @property
    def number(self) -> str:
        """How pages name the statement in messages (`core.pages.document_action`)."""
        return f"#{self.pk} {self.filename}"

    @transition(field=status, source=BankStatementStatus.OPEN, target=BankStatementStatus.DONE)
    def finish(self) -> None:
        """No line is left to confirm."""


class BankStatementLine(models.Model):
    """One row of a statement: money received (date, amount, payer, the bank's reference), the
    customer it is matched to, and once confirmed the receipt it became. An invalid row keeps
    what could be read and its `errors` by column ({"amount": ["…"]}); date and amount are
    empty when they could not be read."""

    statement = models.ForeignKey(
        BankStatement,
        verbose_name=_("bank statement"),
        on_delete=models.CASCADE,
        related_name="lines",
    )
    row = models.PositiveIntegerField(_("row"))  # the row number in the file, header included
    date = models.DateField(_("date"), null=True, blank=True)
    amount = AmountField(_("amount"), null=True, blank=True)
    payer = models.CharField(_("payer"), max_length=PAYER_MAX_LENGTH, blank=True)
    reference = models.CharField(_("reference"), max_length=REFERENCE_MAX_LENGTH, blank=True)
    customer = models.ForeignKey(
        "sales.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=BankStatementLineStatus.choices)
    errors = models.JSONField(_("errors"), default=dict, blank=True)
    receipt = models.OneToOneField(
        "finance.Receipt",
        verbose_name=_("receipt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_line",
    )

    class Meta:
        ordering = ["statement", "row"]
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        constraints = [
            models.UniqueConstraint(fields=["statement", "row"], name="bankline_row_unique"),
            # A bank line becomes one receipt, once, whichever statement brings it again; two
            # confirms racing for it: the second waits on this index, then is refused.
            models.UniqueConstraint(
                fields=["date", "amount", "reference"],
                condition=Q(status="imported"),
                name="bankline_imported_once",
            ),
            models.CheckConstraint(
                condition=~Q(status="imported") | Q(receipt__isnull=False),
                name="bankline_imported_has_receipt",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0),
                name="bankline_amount_positive",
            ),
        ]
        indexes = [
            models.Index(fields=["date", "amount", "reference"], name="bankline_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id}:{self.row}"


class PayerMapping(models.Model):
    """A payer's name as the bank writes it (normalised) → the customer finance confirmed it
    for, so the next statement matches it at once (e.g. a customer's parent company paying)."""

    payer = models.CharField(_("payer"), max_length=PAYER_MAX_LENGTH, unique=True)
    customer = models.ForeignKey(
        "sales.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("confirmed at"), auto_now=True)

    class Meta:
        ordering = ["payer"]
        verbose_name = _("payer mapping")
        verbose_name_plural = _("payer mappings")

    def __str__(self) -> str:
        return f"{self.payer} → {self.customer_id}"
