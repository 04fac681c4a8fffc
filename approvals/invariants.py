"""The approvals invariant (R21, issue 16, core.invariants): every approved request carries an
approving decision on each of its steps, and every document in a state only its approval leads
to has such a request. The documents' apps declare those states
(`register_approved_states`), since approvals knows no document model (DESIGN §5)."""

from django.db.models import Exists, Model, OuterRef

from approvals.models import (
    ApprovalRequest,
    Decision,
    DecisionKind,
    RequestStatus,
    RequestStep,
    StepStatus,
)
from core.invariants import Break, fetch, register_invariant, table

APPROVALS = "approvals"

_APPROVED_STATES: list[tuple[type[Model], tuple[str, ...]]] = []


def register_approved_states(model: type[Model], statuses) -> None:
    """`model`'s `status` values reached only once its approval request was granted."""
    entry = (model, tuple(str(s) for s in statuses))
    if entry not in _APPROVED_STATES:
        _APPROVED_STATES.append(entry)


def approved_states() -> list[tuple[type[Model], tuple[str, ...]]]:
    return list(_APPROVED_STATES)


def approved_requests_carry_their_decisions() -> list[Break]:
    """An approved request none of whose steps lacks an approving decision: one statement."""
    rows = fetch(
        f"""
SELECT r.document_type, r.document_id, r.document_number, s.sequence, s.role, s.status,
       d.id
  FROM {table(ApprovalRequest)} r
  JOIN {table(RequestStep)} s ON s.request_id = r.id
  LEFT JOIN {table(Decision)} d ON d.step_id = s.id AND d.decision = %s
 WHERE r.status = %s AND (s.status <> %s OR d.id IS NULL)
 ORDER BY r.id, s.sequence, s.role""",
        [DecisionKind.APPROVED, RequestStatus.APPROVED, StepStatus.APPROVED],
    )
    return [
        Break(
            check=APPROVALS,
            subject=f"{document_type} {number or document_id}",
            expected=f"step {sequence} ({role}) approved with a decision",
            found=f"step {status}" + ("" if decision else ", no approving decision"),
            sentence="The request is approved but one of its steps carries no approving decision.",
        )
        for document_type, document_id, number, sequence, role, status, decision in rows
    ]


def approved_documents_have_a_request() -> list[Break]:
    """Per document type one query: its documents in an approved state without an approved
    request."""
    breaks = []
    for model, statuses in _APPROVED_STATES:
        document_type = str(model.approval_document_type)
        granted = ApprovalRequest.objects.filter(
            document_type=document_type, document_id=OuterRef("pk"), status=RequestStatus.APPROVED
        )
        lacking = (
            model._default_manager.filter(status__in=statuses)
            .exclude(Exists(granted))
            .order_by("pk")
            .values_list("pk", "status", *(["number"] if _has_number(model) else []))
        )
        for pk, status, *number in lacking:
            breaks.append(
                Break(
                    check=APPROVALS,
                    subject=f"{document_type} {(number and number[0]) or pk}",
                    expected="an approved request",
                    found=f"{status} without one",
                    sentence=f"The document is {status}, a state only its approval leads to, "
                    "but no approval request of it was approved.",
                )
            )
    return breaks


def _has_number(model: type[Model]) -> bool:
    return any(f.name == "number" for f in model._meta.get_fields())


LABEL = "every approved document carries its approval and decisions (R21)"
register_invariant(APPROVALS, LABEL, approved_requests_carry_their_decisions)
register_invariant(APPROVALS, LABEL, approved_documents_have_a_request)
