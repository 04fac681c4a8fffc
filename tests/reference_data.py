"""Rows that data migrations create (role groups, approval policies). The flush after a
transactional test empties them; `restore()` puts them back for the next one."""

import importlib

from django.contrib.auth.models import Group

from core.roles import Role


def restore() -> None:
    from approvals.models import ApprovalPolicy, PolicyStep

    for name in Role.values:
        Group.objects.get_or_create(name=name)
    if ApprovalPolicy.objects.exists():
        return
    seed = importlib.import_module("approvals.migrations.0002_policies_and_immutable_decisions")
    for document_type, (name, steps) in seed.POLICIES.items():
        policy = ApprovalPolicy.objects.create(document_type=document_type, name=name)
        PolicyStep.objects.bulk_create(
            PolicyStep(
                policy=policy,
                sequence=sequence,
                role=role,
                min_amount=min_amount,
                only_on_hold=only_on_hold,
            )
            for sequence, role, min_amount, only_on_hold in steps
        )
