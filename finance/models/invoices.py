"""Invoices (发票) drawn on collection (R17), and red invoices (红字发票) that reverse them.

An invoice is requested by finance for an active contract once the contract's threshold of its
gross is collected, for at most what is not yet invoiced; the VP of finance approves it, and it
is then issued: numbered FP-YYYY-NNNNN (gapless per year, taken only at issue), added to the
contract ledger's `invoiced`, and its VAT moves from 222102 to 2221 in the journal. The tax
system's fapiao number and date are recorded afterwards. An issued invoice never changes (R24):
a red invoice — the negative of one issued invoice, approved the same way — reverses it, and the
original becomes `reversed`. Writes: finance/services/invoices.py.

How the amount is split: an invoice's amount is gross; its tax is the contract's tax share of
it, `tax = round(amount × contract tax / contract gross)` half up to the cent (the contract's
lines' rates pro rata), and `net = amount − tax`. A red invoice is the exact negative of the
invoice it reverses (amount, net and tax).
"""

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Round
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
from core.money import money

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ZERO = Decimal("0.00")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", pgettext_lazy("invoice status", "In approval")
    ISSUED = "issued", pgettext_lazy("invoice status", "Issued")
    REVERSED = "reversed", pgettext_lazy("invoice status", "Reversed")
    CANCELLED = "cancelled", pgettext_lazy("invoice status", "Cancelled")


# Issued (and later reversed) invoices carry a number and never change but for the fapiao
# recorded once and the move to `reversed` (R17, R24; the model and a PostgreSQL trigger).
ISSUED_STATUSES = (InvoiceStatus.ISSUED, InvoiceStatus.REVERSED)
# What may still be written on an issued invoice, and only while the fapiao is not recorded.
FAPIAO_FIELDS = ("fapiao_number", "fapiao_date", "fapiao_recorded_by_id", "fapiao_recorded_at")


class InvoiceImmutable(RuntimeError):
    """An issued invoice was to be changed or deleted (R17, R24: a red invoice reverses it)."""


def tax_share(*, amount: Decimal, contract_tax: Decimal, contract_gross: Decimal) -> Decimal:
    """The tax in `amount` (gross) at the contract's rates pro rata: amount × contract tax /
    contract gross, half up to the cent (see the module's docstring)."""
    if not contract_gross:
        return ZERO
    return money(Decimal(amount) * Decimal(contract_tax) / Decimal(contract_gross))


class Invoice(ConcurrentTransitionMixin, ApprovableDocument):
    """发票: an invoice for part or all of a contract's gross, or a red invoice (`reverses`
    set, negative amounts) that reverses one issued invoice. Draft → in approval (the VP of
    finance) → issued with its number; an issued invoice becomes `reversed` when its red
    invoice is issued. A draft may be cancelled."""

    approval_document_type = DocumentType.INVOICE
    approval_template = "finance/approval/invoice.html"

    number = models.CharField(_("number"), max_length=20, null=True, blank=True, editable=False)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="invoices",
    )
    customer = models.ForeignKey(
        "sales.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    reverses = models.ForeignKey(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="red_invoices",
    )
    status = FSMField(
        _("status"), default=InvoiceStatus.DRAFT, choices=InvoiceStatus.choices, protected=True
    )
    amount = AmountField(_("amount (gross)"))
    net_amount = AmountField(_("net amount"))
    tax_amount = AmountField(_("tax amount"))
    # The buyer's tax details printed on the invoice request (开票信息), taken from the customer
    # when the invoice is drafted, so the request shows what finance asked the tax system for.
    buyer_name = models.CharField(_("buyer"), max_length=200)
    buyer_tax_id = models.CharField(_("buyer's tax id"), max_length=18, blank=True)
    buyer_address = models.CharField(_("buyer's address"), max_length=300, blank=True)
    buyer_phone = models.CharField(_("buyer's phone"), max_length=30, blank=True)
    buyer_bank = models.CharField(_("buyer's bank"), max_length=100, blank=True)
    buyer_account = models.CharField(_("buyer's bank account"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    # The tax system's fapiao (发票号码, 开票日期), recorded by finance once, after issue.
    fapiao_number = models.CharField(_("fapiao number"), max_length=20, blank=True)
    fapiao_date = models.DateField(_("fapiao date"), null=True, blank=True)
    fapiao_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fapiao recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    fapiao_recorded_at = models.DateTimeField(_("fapiao recorded at"), null=True, blank=True)
    history = HistoricalRecords()  # R24

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="invoice_number_unique"),
            models.CheckConstraint(
                condition=(Q(status__in=ISSUED_STATUSES) & Q(number__isnull=False))
                | (~Q(status__in=ISSUED_STATUSES) & Q(number__isnull=True)),
                name="invoice_numbered_when_issued",
            ),
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(amount__gt=0))
                | (Q(reverses__isnull=False) & Q(amount__lt=0)),
                name="invoice_amount_sign",
                violation_error_message=_("An invoice is above zero; a red invoice is below zero."),
            ),
            models.CheckConstraint(
                # Rounded: SQLite keeps decimals as floats (as the contract lines' check).
                condition=Q(amount=Round(models.F("net_amount") + models.F("tax_amount"), 2)),
                name="invoice_gross_is_net_plus_tax",
            ),
            # R17: one red invoice per invoice (a cancelled draft does not count).
            models.UniqueConstraint(
                fields=["reverses"],
                condition=~Q(status=InvoiceStatus.CANCELLED),
                name="invoice_one_red_per_invoice",
                violation_error_message=_("This invoice already has a red invoice."),
            ),
            models.UniqueConstraint(
                fields=["fapiao_number"],
                condition=~Q(fapiao_number=""),
                name="invoice_fapiao_number_unique",
                violation_error_message=_("This fapiao number is recorded on another invoice."),
            ),
            models.CheckConstraint(
                condition=Q(fapiao_number="") | Q(status__in=ISSUED_STATUSES),
                name="invoice_fapiao_only_once_issued",
            ),
        ]
        indexes = [
            models.Index(fields=["contract", "status"], name="invoice_contract_status_idx"),
            models.Index(fields=["customer", "status"], name="invoice_customer_status_idx"),
            models.Index(fields=["created_at", "id"], name="invoice_created_idx"),  # lists
        ]

    def __str__(self) -> str:
        return self.display_number

    @property
    def display_number(self) -> str:
        return self.number or unnumbered_draft(self.pk)

    @property
    def is_red(self) -> bool:
        return self.reverses_id is not None

    def get_absolute_url(self) -> str:
        return reverse("invoice-detail", args=[self.pk])

    def approval_pdf_url(self) -> str | None:
        return reverse("invoice-pdf", args=[self.pk])

    # -- immutable once issued (R17, R24) ---------------------------------------------------------
    def save(self, *args, **kwargs):
        if (
            self.pk is not None
            and not kwargs.get("force_insert")
            and self._loaded_status in ISSUED_STATUSES
        ):
            self._refuse_changes_once_issued()
        super().save(*args, **kwargs)

    def _update_initial_state(self) -> None:
        # The status this instance was read (or last saved) with. Every UPDATE of it is made
        # on that status only (ConcurrentTransitionMixin: WHERE status = it, else
        # ConcurrentTransition), so an instance read before the issue can never write over an
        # issued row: only one read as issued needs the stored row compared.
        super()._update_initial_state()
        self._loaded_status = self.status

    def delete(self, *args, **kwargs):
        stored = Invoice.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored in ISSUED_STATUSES or self.status in ISSUED_STATUSES:
            raise InvoiceImmutable("An issued invoice is never deleted (R17, R24).")
        return super().delete(*args, **kwargs)

    def _refuse_changes_once_issued(self) -> None:
        """Of an issued invoice only the fapiao may be written, once, and the status may move
        from issued to reversed (its red invoice issued); anything else is refused."""
        names = [f.attname for f in self._meta.concrete_fields]
        stored = Invoice.objects.filter(pk=self.pk).values(*names).first()
        if stored is None or stored["status"] not in ISSUED_STATUSES:
            return
        for name in names:
            old, new = stored[name], getattr(self, name)
            if old == new:
                continue
            if name in FAPIAO_FIELDS and not stored["fapiao_number"]:
                continue
            if name == "status" and (old, new) == (InvoiceStatus.ISSUED, InvoiceStatus.REVERSED):
                continue
            raise InvoiceImmutable(f"An issued invoice never changes its {name} (R17, R24).")

    # -- approval (R17, R21) ------------------------------------------------------------------
    def approval_number(self) -> str:
        """Empty until the invoice is numbered at issue: the inbox then calls it as its page
        does (`ApprovalRequest.display_number`)."""
        return self.number or ""

    def approval_amount(self) -> Decimal:
        """The invoice's gross amount, negative for a red invoice."""
        return self.amount

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related(
            "contract", "contract__ledger", "customer", "created_by", "reverses"
        )

    def approval_granted(self, *, request: ApprovalRequest, actor: "User") -> None:
        from finance.services.invoices import invoice_issue

        invoice_issue(invoice=self, request=request, actor=actor)

    # -- transitions --------------------------------------------------------------------------
    @transition(field=status, source=InvoiceStatus.DRAFT, target=InvoiceStatus.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=InvoiceStatus.SUBMITTED,
        target=InvoiceStatus.ISSUED,
        conditions=[approval_is_granted],
    )
    def issue(self) -> None:
        pass

    @transition(
        field=status,
        source=InvoiceStatus.SUBMITTED,
        target=InvoiceStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(field=status, source=InvoiceStatus.ISSUED, target=InvoiceStatus.REVERSED)
    def mark_reversed(self) -> None:
        """Its red invoice is issued (the red invoice's issue moves it)."""

    @transition(field=status, source=InvoiceStatus.DRAFT, target=InvoiceStatus.CANCELLED)
    def cancel(self) -> None:
        pass


register(Invoice)
# Who approves an invoice and a red invoice: finance/models/chains.py (the VP of finance).
