"""Rows that data migrations create (role groups, approval policies). The flush after a
transactional test empties them; `restore()` puts them back for the next one."""

from django.contrib.auth.models import Group

from core.roles import Role


def restore() -> None:
    from approvals.chains import every_default_chain
    from approvals.models import ApprovalPolicy, PolicyStep

    for name in Role.values:
        Group.objects.get_or_create(name=name)
    from finance.models import CHART, Account

    for code, name, kind, parent in CHART:
        Account.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "parent": Account.objects.get(code=parent) if parent else None,
            },
        )
    if ApprovalPolicy.objects.exists():
        return
    # The same declarations the data migration seeds from (approvals.chains).
    for chain in every_default_chain():
        policy = ApprovalPolicy.objects.create(document_type=chain.document_type, name=chain.name)
        PolicyStep.objects.bulk_create(PolicyStep(policy=policy, **row) for row in chain.as_rows())
