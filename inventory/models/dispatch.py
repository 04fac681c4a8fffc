"""Service dispatch (接续派工单) and acceptance (R15)."""

from typing import TYPE_CHECKING

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from approvals.chains import ApprovalChain, Step, register_default_chain
from approvals.documents import (
    ApprovableDocument,
    approval_is_closed_unapproved,
    approval_is_granted,
    register,
)
from approvals.models import DocumentType
from core.roles import Role
from inventory.models.common import user_field

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class ServiceDispatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ServiceDispatch(ConcurrentTransitionMixin, ApprovableDocument):
    """接续派工单 (R15): installation or service on site, prepared by a clerk, refused until
    the contract's first payment is collected, approved by the sales manager; completed with
    the customer's acceptance report (验收报告) number."""

    approval_document_type = DocumentType.SERVICE_DISPATCH
    approval_template = "inventory/approval/service_dispatch.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    contract = models.ForeignKey(
        "contracts.Contract",
        verbose_name=_("contract"),
        on_delete=models.PROTECT,
        related_name="service_dispatches",
    )
    customer = models.ForeignKey(
        "sales.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    status = FSMField(
        _("status"),
        default=ServiceDispatchStatus.DRAFT,
        choices=ServiceDispatchStatus.choices,
        protected=True,
    )
    scheduled_on = models.DateField(_("scheduled on"))
    description = models.CharField(_("description"), max_length=1000)
    created_by = user_field(_("prepared by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    acceptance_report_no = models.CharField(_("acceptance report no."), max_length=60, blank=True)
    completed_by = user_field(_("completed by"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("service dispatch")
        verbose_name_plural = _("service dispatches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="completed") | ~models.Q(acceptance_report_no=""),
                name="servicedispatch_completed_has_report",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("service-dispatch-detail", args=[self.pk])

    def approval_amount(self):
        return None

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("contract", "customer", "created_by")

    def approval_granted(self, *, request, actor: "User") -> None:
        from inventory.services.dispatch import service_dispatch_approved

        service_dispatch_approved(dispatch=self, actor=actor)

    @transition(
        field=status, source=ServiceDispatchStatus.DRAFT, target=ServiceDispatchStatus.SUBMITTED
    )
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=ServiceDispatchStatus.SUBMITTED,
        target=ServiceDispatchStatus.APPROVED,
        conditions=[approval_is_granted],
    )
    def approve(self) -> None:
        pass

    @transition(
        field=status,
        source=ServiceDispatchStatus.SUBMITTED,
        target=ServiceDispatchStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(
        field=status, source=ServiceDispatchStatus.APPROVED, target=ServiceDispatchStatus.COMPLETED
    )
    def complete(self) -> None:
        pass

    @transition(
        field=status, source=ServiceDispatchStatus.DRAFT, target=ServiceDispatchStatus.CANCELLED
    )
    def cancel(self) -> None:
        pass


register(ServiceDispatch)

# Who approves a service dispatch (R15; approvals.chains): the sales manager.
register_default_chain(
    ApprovalChain(
        DocumentType.SERVICE_DISPATCH,
        "接续派工单审批 Service dispatch",
        steps=[Step(Role.SALES_MANAGER, sequence=1)],
    )
)
