"""Who approves what, declared in code next to the document it governs (R21; issue 10 item 5).

A policy (`ApprovalPolicy` and its `PolicyStep` rows) is data that the general manager may edit
in the admin; its *default* is declared by the app that owns the document, right after the
document's model, so `grep` finds who co-signs a contract in `contracts/models/contracts.py`:

    register_default_chain(
        ApprovalChain(
            DocumentType.CONTRACT,
            "合同会签 Contract co-sign",
            steps=[Step(Role.SALES_HEAD, sequence=1), Step(Role.FINANCE, sequence=1)],
        )
    )

Two readers use the declarations: the data migration that seeds a fresh database
(`approvals/migrations/0002_…`) and the admin's "reset to the declared default"
(`approvals.services.approval_policies_reset`). Steps sharing a sequence are all required, in
any order (a co-sign); `min_amount` and `only_on_hold` make a step conditional.

Approvals knows no document (DESIGN §5): the apps that own documents import this module, never
the reverse. Every document type of `DocumentType` has exactly one default chain, built or not
yet built (invoice and commission slip in finance, quotation in sales).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

from approvals.models import DocumentType
from core.roles import Role


@dataclass(frozen=True)
class Step:
    """One step of a chain: a role at a sequence number, with its optional conditions."""

    role: str
    sequence: int
    min_amount: Decimal | None = None  # the step applies from this document amount up
    only_on_hold: bool = False  # the step applies only to a document on credit hold (R4)

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", str(self.role))
        if self.role not in Role.values:
            raise ValueError(f"{self.role!r} is not a role (core.roles.Role)")
        if self.sequence < 1:
            raise ValueError("a step's sequence starts at 1")
        if self.min_amount is not None:
            object.__setattr__(self, "min_amount", Decimal(self.min_amount))

    def as_row(self) -> dict:
        """The `PolicyStep` fields of this step."""
        return {
            "sequence": self.sequence,
            "role": self.role,
            "min_amount": self.min_amount,
            "only_on_hold": self.only_on_hold,
        }


@dataclass(frozen=True, init=False)
class ApprovalChain:
    """The default approval policy of one document type: its name and ordered steps (given as
    any iterable, kept as a tuple so a chain is immutable and comparable)."""

    document_type: str
    name: str
    steps: tuple[Step, ...]

    def __init__(self, document_type: str, name: str, *, steps: Iterable[Step]) -> None:
        object.__setattr__(self, "document_type", str(document_type))
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "steps", tuple(steps))
        if self.document_type not in DocumentType.values:
            raise ValueError(f"{self.document_type!r} is not a DocumentType")
        keys = [(step.sequence, step.role) for step in self.steps]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.document_type}: a role appears twice at one sequence")

    def as_rows(self) -> list[dict]:
        """The `PolicyStep` fields of every step, in the declared order."""
        return [step.as_row() for step in self.steps]


_DEFAULTS: dict[str, ApprovalChain] = {}


def register_default_chain(chain: ApprovalChain) -> ApprovalChain:
    """Declare `chain` as the default of its document type (once per type; declaring the
    same chain again, as a module reload does, is harmless)."""
    declared = _DEFAULTS.get(chain.document_type)
    if declared is not None and declared != chain:
        raise ImproperlyConfigured(
            f"a default approval chain for {chain.document_type} is already declared"
        )
    _DEFAULTS[chain.document_type] = chain
    return chain


def default_chains() -> list[ApprovalChain]:
    """Every declared chain, in the order `DocumentType` lists the document types."""
    order = {value: index for index, value in enumerate(DocumentType.values)}
    return sorted(_DEFAULTS.values(), key=lambda chain: order[chain.document_type])


def default_chain(document_type: str) -> ApprovalChain:
    """The declared default chain of `document_type`."""
    try:
        return _DEFAULTS[str(document_type)]
    except KeyError:
        raise ImproperlyConfigured(
            f"no default approval chain is declared for {document_type}"
        ) from None


def every_default_chain() -> list[ApprovalChain]:
    """`default_chains()`, refusing to go on when a document type has none: what seeds a
    database must know every chain. The chains are declared in the apps' models modules, which
    Django has imported once the app registry is ready (as in a migration)."""
    chains = default_chains()
    missing = [value for value in DocumentType.values if value not in _DEFAULTS]
    if missing:
        raise ImproperlyConfigured(
            "No default approval chain is declared for "
            + ", ".join(missing)
            + ". Declare it next to the document's model with "
            "approvals.chains.register_default_chain(ApprovalChain(...))"
            + ("" if chains else "; none is declared at all: are the apps' models loaded?")
        )
    return chains
