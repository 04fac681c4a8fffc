"""Overdue interest posted each month (R18, R20): one row per contract and month, so a second
run of the monthly posting finds the month posted and posts nothing (a unique constraint, not
a check that two runs could both pass). Writes: finance/services/interest.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import AmountField


class InterestPosting(models.Model):
    """利息计提: the interest accrued on a contract's overdue amount in one month, posted to the
    journal (Dr 1122 / Cr 6603) on the month's last day and moved on the contract ledger from
    `interest_accrued` to `interest`. Never changed: a month posted is final."""

    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="interest_postings",
    )
    period = models.CharField(_("period"), max_length=7)
    amount = AmountField(_("amount"))
    entry = models.OneToOneField(
        "finance.JournalEntry",
        verbose_name=_("journal entry"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        ordering = ["period", "contract_id"]
        verbose_name = _("interest posting")
        verbose_name_plural = _("interest postings")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "period"], name="interestposting_one_per_contract_month"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="interestposting_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.period}: {self.amount}"
