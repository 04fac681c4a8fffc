"""Approval policies (R21): the general manager edits a chain in the admin; this service puts
chosen policies back to the default declared next to their document (`approvals.chains`)."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from approvals.chains import default_chain
from approvals.models import ApprovalPolicy, PolicyStep
from core.permissions import require_role
from core.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic(durable=True)
def approval_policies_reset(*, actor: "User", policy_ids: Iterable[int]) -> list[ApprovalPolicy]:
    """Give each chosen policy the name and steps of its declared default chain; the general
    manager (or a superuser) only. Requests already open keep the steps they copied when they
    were submitted, so only later submissions follow the reset chain. The policies' history
    records the change in the actor's name (R24)."""
    require_role(actor, Role.GENERAL_MANAGER)
    policies = list(
        ApprovalPolicy.objects.select_for_update().filter(pk__in=list(policy_ids)).order_by("pk")
    )
    for policy in policies:
        chain = default_chain(policy.document_type)
        for step in policy.steps.all():
            step._history_user = actor
            step.delete()
        for row in chain.as_rows():
            step = PolicyStep(policy=policy, **row)
            step._history_user = actor
            step.save()
        if policy.name != chain.name:
            policy.name = chain.name
            policy._history_user = actor
            policy.save()
    return policies
