"""The clauses (合同条款) a contract prints after its terms: versions the company edits in the
admin, each kept as it was for the contracts drafted with it (contracts.services.clauses)."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# What a clause's text may name in braces, filled from the contract and its clause set when
# the PDF is rendered (contracts.pdf.contract_clauses).
CLAUSE_PLACEHOLDERS = (
    "seller",
    "buyer",
    "credit_days",
    "first_payment_percent",
    "interest_percent",
    "invoice_threshold_percent",
    "warranty_months",
    "acceptance_days",
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def clause_unknown_placeholders(text: str) -> list[str]:
    """The `{names}` in a clause's text that the PDF cannot fill."""
    return [name for name in _PLACEHOLDER.findall(text) if name not in CLAUSE_PLACEHOLDERS]


class ContractClauseSet(models.Model):
    """合同条款模板: one version of the clauses a contract prints after its terms (delivery,
    transport, acceptance, warranty, liability, disputes…). A version is never edited: the
    company's change in the admin saves a new version, and a contract keeps the version that
    was active when it was drafted, so its PDF always shows the clauses it was signed with.
    One version at most is active."""

    name = models.CharField(_("name"), max_length=100)
    version = models.PositiveIntegerField(_("version"), editable=False)
    warranty_months = models.PositiveSmallIntegerField(_("warranty months"), default=12)
    acceptance_days = models.PositiveSmallIntegerField(_("acceptance days"), default=7)
    is_active = models.BooleanField(_("active version"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()  # R24: who activated or retired a version

    class Meta:
        verbose_name = _("contract clause set")
        verbose_name_plural = _("contract clause sets")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["version"], name="contractclauseset_version_unique"),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="contractclauseset_one_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class ContractClause(models.Model):
    """One clause of a clause set: its heading (交货) and text, in the set's order."""

    clause_set = models.ForeignKey(
        ContractClauseSet,
        verbose_name=_("contract clause set"),
        on_delete=models.CASCADE,
        related_name="clauses",
    )
    position = models.PositiveSmallIntegerField(_("position"))
    heading = models.CharField(_("heading"), max_length=40)
    text = models.TextField(_("text"))

    class Meta:
        verbose_name = _("contract clause")
        verbose_name_plural = _("contract clauses")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["clause_set", "position"], name="contractclause_position_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.heading
