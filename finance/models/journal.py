"""The journal (DESIGN §4): the chart, entries and lines, immutable once posted (R24)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import AmountField

# --- the journal (DESIGN §4) -------------------------------------------------------------------


class AccountKind(models.TextChoices):
    ASSET = "asset", _("Asset")
    LIABILITY = "liability", _("Liability")
    REVENUE = "revenue", _("Revenue")
    EXPENSE = "expense", _("Expense")


class Account(models.Model):
    """An account of the chart (会计科目), seeded by a data migration: DESIGN §4's accounts and
    the sub-accounts practice needs (222102 待转销项税额: output VAT on delivered sales not yet
    invoiced)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=AccountKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


# The chart (DESIGN §4), seeded by finance's data migration 0002 and restored after a test's
# flush (tests/reference_data.py). What is posted where: finance/services/journal.py.
CHART = [
    # code, name, kind, parent code
    ("1002", "银行存款 Bank", "asset", None),
    ("1122", "应收账款 Accounts receivable", "asset", None),
    ("2203", "预收账款 Advances from customers", "liability", None),
    ("2211", "应付职工薪酬—提成 Commission payable", "liability", None),
    ("2221", "应交税费—应交增值税（销项税额）VAT output", "liability", None),
    ("222102", "应交税费—待转销项税额 VAT output not yet invoiced", "liability", "2221"),
    ("6001", "主营业务收入 Revenue", "revenue", None),
    ("6601", "销售费用—提成 Selling expense (commission)", "expense", None),
    ("6603", "财务费用—利息收入 Finance income (interest)", "revenue", None),
]


class JournalEntryImmutable(RuntimeError):
    """A posted entry or line was to be changed or deleted (R24: a correction is a reversal)."""


class Posted(models.Model):
    """Rows of the journal: written once by the posting service, never changed or deleted
    (R24; on PostgreSQL a trigger refuses it too). Entries and lines both name the contract and
    the customer, so balances per contract or customer read one table."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    customer = models.ForeignKey(
        "sales.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise JournalEntryImmutable("Posted journal rows never change (R24).")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise JournalEntryImmutable("Posted journal rows are never deleted (R24).")


class JournalEntry(Posted):
    """A posted journal entry 记账凭证: balanced lines, dated, naming its contract, customer and
    source document; never changed once posted (the model refuses, and on PostgreSQL a trigger
    refuses UPDATE and DELETE). A correction is a new entry that `reverses` this one."""

    date = models.DateField(_("date"))
    memo = models.CharField(_("memo"), max_length=200)
    source_type = models.CharField(_("source document type"), max_length=40)
    source_id = models.PositiveBigIntegerField(_("source document id"))
    source_number = models.CharField(_("source document number"), max_length=40, blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [
            models.Index(fields=["contract", "date"], name="journal_contract_date_idx"),
            models.Index(fields=["source_type", "source_id"], name="journal_source_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.memo}"


class JournalLine(Posted):
    """One side of an entry: an account debited or credited (never both), with the entry's
    contract and customer repeated so balances per contract read one table."""

    entry = models.ForeignKey(
        JournalEntry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="lines"
    )
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="lines"
    )
    debit = AmountField(_("debit"), default=Decimal("0.00"))
    credit = AmountField(_("credit"), default=Decimal("0.00"))

    class Meta:
        ordering = ["entry", "id"]
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0) & Q(credit=0)) | (Q(credit__gt=0) & Q(debit=0)),
                name="journalline_one_side",
                violation_error_message=_("A line is a debit or a credit, above zero."),
            ),
        ]
        indexes = [
            models.Index(fields=["account", "contract"], name="journalline_account_contract"),
        ]

    def __str__(self) -> str:
        side = f"Dr {self.debit}" if self.debit else f"Cr {self.credit}"
        return f"{self.account_id} {side}"
