"""The contract clauses (合同条款) the company edits in the admin: a version is written whole
and never changed afterwards, so a contract's PDF keeps the clauses it was drafted with.

Locks: every clause set row in primary-key order, so two saves number their versions one
after the other and only one version is left active.
"""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from contracts.models import ContractClause, ContractClauseSet, clause_unknown_placeholders
from core.errors import InvalidInput
from core.permissions import require_role
from core.roles import Role
from core.validation import validate_instance

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CLAUSE_EDITORS = (Role.GENERAL_MANAGER,)


def _clean_clauses(clauses: Sequence[Mapping]) -> list[tuple[str, str]]:
    cleaned = [
        (str(c.get("heading") or "").strip(), str(c.get("text") or "").strip()) for c in clauses
    ]
    if not cleaned:
        raise InvalidInput(errors={"clauses": [_("A clause set needs at least one clause.")]})
    for index, (heading, text) in enumerate(cleaned):
        errors = {}
        if not heading:
            errors[f"clauses.{index}.heading"] = [_("This field is required.")]
        if not text:
            errors[f"clauses.{index}.text"] = [_("This field is required.")]
        unknown = clause_unknown_placeholders(text)
        if unknown:
            errors[f"clauses.{index}.text"] = [
                _("Unknown placeholder: %(names)s.") % {"names": ", ".join(unknown)}
            ]
        if errors:
            raise InvalidInput(errors=errors)
    return cleaned


@transaction.atomic(durable=True)
def clause_set_save(
    *,
    actor: "User",
    name: str,
    clauses: Sequence[Mapping],
    warranty_months: int = 12,
    acceptance_days: int = 7,
    is_active: bool = True,
    based_on_id: int | None = None,
) -> ContractClauseSet:
    """Save the clauses as a new version (`clauses`: headings and texts in their order). A
    change of an existing version (`based_on_id`) is a new version too; unchanged, the
    existing version is returned as it is. An active new version retires the active one:
    contracts drafted from now on take it, contracts already drafted keep theirs."""
    require_role(actor, *CLAUSE_EDITORS)
    sets = {s.pk: s for s in ContractClauseSet.objects.select_for_update().order_by("pk")}
    cleaned = _clean_clauses(clauses)
    based_on = sets.get(based_on_id) if based_on_id is not None else None
    if based_on is not None and (
        based_on.name,
        based_on.warranty_months,
        based_on.acceptance_days,
        based_on.is_active,
        [(c.heading, c.text) for c in based_on.clauses.all()],
    ) == (name, warranty_months, acceptance_days, is_active, cleaned):
        return based_on
    version = (ContractClauseSet.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    clause_set = ContractClauseSet(
        name=name,
        version=version,
        warranty_months=warranty_months,
        acceptance_days=acceptance_days,
        is_active=is_active,
        created_by=actor,
    )
    validate_instance(clause_set, exclude=["version", "is_active"])
    if is_active:
        for retired in sets.values():
            if retired.is_active:
                retired.is_active = False
                retired._history_user = actor
                retired.save(update_fields=["is_active"])
    clause_set._history_user = actor
    clause_set.save()
    for position, (heading, text) in enumerate(cleaned, start=1):
        clause = ContractClause(
            clause_set=clause_set, position=position, heading=heading, text=text
        )
        validate_instance(clause, prefix=f"clauses.{position - 1}", constraints=False)
        clause.save()
    return clause_set
