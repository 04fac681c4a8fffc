"""How a document joins the approval engine (R21): the one protocol.

A document model inherits `ApprovableDocument`, names its `approval_document_type`, is
registered with `register`, and implements the few hooks below. Its submit service locks the
document, moves it to its pending state with its own django-fsm transition, and calls
`approvals.services.approval_request_open(document=..., actor=..., on_hold=...)` in the same
transaction. From then on only the engine moves it: on the last approval it calls
`approval_granted`, on a rejection or withdrawal `approval_returned`; both run inside the
engine's transaction with the document row locked. Transitions that the engine drives should
carry `conditions=[approval_is_granted]` (or `approval_is_open`) so that nothing else can take
them. The approval detail page shows the document through `approval_template` (loaded with
`approval_detail_queryset()`) and links `approval_document_url()` and `approval_pdf_url()`.

    class PriceList(ConcurrentTransitionMixin, ApprovableDocument):  # mixins first (MRO)
        approval_document_type = DocumentType.PRICE_LIST

        def approval_granted(self, *, request, actor):
            self.activate()          # FSM transition guarded by approval_is_granted
            self.save()

        # approval_returned: the default calls self.return_to_draft() and saves.

    register(PriceList)
"""

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from django.db import models

from approvals.models import ApprovalRequest, RequestStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_REGISTRY: dict[str, type[models.Model]] = {}
# Where the engine puts the request it holds locked while a document's hook runs.
_HELD = "_approval_request_held"


class ApprovableDocument(models.Model):
    approval_document_type: ClassVar[str]
    # Which user field holds the author, who submits, may withdraw and never approves.
    approval_author_field: ClassVar[str] = "created_by"

    class Meta:
        abstract = True

    # -- what the inbox shows ------------------------------------------------------------
    def approval_number(self) -> str:
        return str(getattr(self, "number", "") or self.pk)

    def approval_amount(self) -> Decimal | None:
        return getattr(self, "gross_amount", None)

    def approval_customer(self):
        """The customer (an object with pk and name) or None."""
        return getattr(self, "customer", None)

    def approval_author(self):
        return getattr(self, self.approval_author_field)

    # -- what the approval detail page shows (R22: document, history, PDF one click away) ------
    # A template that renders the document's summary and lines; it gets `document`.
    approval_template: ClassVar[str] = "approvals/document_summary.html"

    @classmethod
    def approval_detail_queryset(cls) -> models.QuerySet:
        """The queryset the detail page loads the document from: override it to fetch what
        `approval_template` shows (lines, customer) in a bounded number of queries."""
        return cls.objects.select_related(cls.approval_author_field)

    def approval_document_url(self) -> str | None:
        """The document's own page, or None when it has none."""
        get_url = getattr(self, "get_absolute_url", None)
        return get_url() if get_url is not None else None

    def approval_pdf_url(self) -> str | None:
        """The document's PDF, or None when it has none."""
        return None

    # -- what the engine calls --------------------------------------------------------------
    def approval_granted(self, *, request: ApprovalRequest, actor: "User") -> None:
        raise NotImplementedError

    def approval_returned(self, *, request: ApprovalRequest, actor: "User", comment: str) -> None:
        """Rejected or withdrawn (R21): back to draft by the document's own `return_to_draft`
        transition (guarded by `approval_is_closed_unapproved`), in the actor's name. Override
        only when more than that happens (an order gives back its credit exposure)."""
        self.return_to_draft()
        self._history_user = actor
        self.save()

    # -- reads ---------------------------------------------------------------------------------
    @property
    def approval_request(self) -> ApprovalRequest | None:
        """The latest request for this document (None before the first submit)."""
        if _HELD in self.__dict__:  # the engine's, while it calls the document's hook
            return self.__dict__[_HELD]
        if "_approval_request" in self.__dict__:  # set by a list that fetched them in bulk
            return self.__dict__["_approval_request"]
        return (
            ApprovalRequest.objects.filter(
                document_type=self.approval_document_type, document_id=self.pk
            )
            .order_by("-created_at", "-id")
            .first()
        )


def register(model: type[models.Model]) -> type[models.Model]:
    document_type = str(model.approval_document_type)
    if _REGISTRY.get(document_type, model) is not model:
        raise RuntimeError(f"{document_type} is already registered")
    _REGISTRY[document_type] = model
    return model


def document_model(document_type: str) -> type[models.Model]:
    return _REGISTRY[document_type]


def registered_types() -> list[str]:
    return sorted(_REGISTRY)


@contextmanager
def approval_held(document, request: ApprovalRequest) -> Iterator[None]:
    """While the engine calls `approval_granted` or `approval_returned`, the document's latest
    request is the one the engine holds locked and has just closed: the hook's transition
    guard (`approval_is_granted`, `approval_is_closed_unapproved`) and `approval_request` read
    it instead of querying it again (issue 14). Only on the engine's own locked document, and
    only for the call."""
    document.__dict__[_HELD] = request
    try:
        yield
    finally:
        document.__dict__.pop(_HELD, None)


def _latest_status(document) -> str | None:
    held = document.__dict__.get(_HELD)
    if held is not None:
        return held.status
    document.__dict__.pop("_approval_request", None)
    request = document.approval_request
    return request.status if request is not None else None


def approval_is_granted(document) -> bool:
    """django-fsm condition: the document's latest approval request is approved."""
    return _latest_status(document) == RequestStatus.APPROVED


def approval_is_closed_unapproved(document) -> bool:
    """django-fsm condition: the latest request was rejected or withdrawn."""
    return _latest_status(document) in {RequestStatus.REJECTED, RequestStatus.WITHDRAWN}
