"""The load test's data (issue 16, item 4), made through the services on a fresh database:
the catalogue on an active price list with stock (bench/cycle.py's `setup`), then one account
per simulated person — each role's people as the locustfile's user classes ask — with a token
password, three customers per clerk with credit, and some work already under way so that every
role has something to do from the first second: per clerk two active contracts (one with an
approved shipping notice waiting for the warehouse) and one order pending its approval.

`seed(accounts)` returns what the locustfile reads (as JSON): the accounts by role, the
products, the warehouse and each clerk's customers.
"""

from __future__ import annotations

import uuid

PASSWORD = "load-test-pass-2026"  # every simulated person's; the database is thrown away
LINES = ("2", "950.00")  # quantity, unit price of each line (list 1000, floor 800)
STOCK = 1_000_000  # of each product: the warehouse never runs out during a run
# Who works during the run, as locust weights (bench/load/locustfile.py's user classes): 20 users.
PEOPLE = {
    "sales_clerk": 9,
    "sales_manager": 2,
    "general_manager": 1,
    "sales_head": 1,
    "finance_vp": 1,
    "warehouse": 2,
    "security": 1,
    "finance": 3,
}


def accounts_for(users: int) -> dict[str, int]:
    """Role → accounts to make for `users` locust users: each class's share, and one more."""
    total = sum(PEOPLE.values())
    return {role: -(-users * weight // total) + 1 for role, weight in PEOPLE.items()}


def seed(accounts: dict[str, int]) -> dict:
    """`accounts`: role → how many people of that role (the locust users of that class)."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    from approvals.services import approval_decide
    from bench.cycle import BIG_LIMIT
    from bench.cycle import setup as cycle_setup
    from contracts.services import contract_draft, contract_submit
    from inventory.services import shipping_notice_create, shipping_notice_submit
    from sales.models import Customer
    from sales.services.orders import order_create, order_submit

    ctx = cycle_setup(lines=3, stock=STOCK)
    boss = ctx["users"]  # role → one person who makes the data ahead of the run
    hashed = make_password(PASSWORD)  # one hash for all: seeding stays quick
    people: dict[str, list[str]] = {}
    for role, count in accounts.items():
        group = Group.objects.get(name=role)
        people[role] = []
        for n in range(count):
            user = User.objects.create(
                username=f"load_{role}_{n:02d}", email=f"{role}{n}@load.test", password=hashed
            )
            user.groups.add(group)
            people[role].append(user.username)

    lines = [
        {"product": p.pk, "quantity": LINES[0], "unit_price": LINES[1]} for p in ctx["products"]
    ]
    customers: dict[str, list[int]] = {}
    tag = uuid.uuid4().hex[:4]
    for username in people.get("sales_clerk", []):
        clerk = User.objects.get(username=username)
        own = [
            Customer.objects.create(
                code=f"C-LD-{tag}-{username[-2:]}-{k}",
                name=f"压测客户 {username[-2:]}-{k}",
                owner=clerk,
                credit_limit=BIG_LIMIT,
                credit_days=30,
            )
            for k in range(3)
        ]
        customers[username] = [c.pk for c in own]
        for k in range(2):  # two active contracts
            order = order_create(actor=clerk, customer_id=own[k].pk, lines=lines)
            order = order_submit(actor=clerk, order_id=order.pk)
            for role in ("sales_manager", "general_manager"):
                approval_decide(
                    actor=boss[role], request_id=order.approval_request.pk, approve=True
                )
            contract = contract_draft(actor=clerk, order_id=order.pk)
            contract = contract_submit(actor=clerk, contract_id=contract.pk)
            for role in ("sales_head", "finance"):
                approval_decide(
                    actor=boss[role], request_id=contract.approval_request.pk, approve=True
                )
            if k == 0:  # half of its quantity on a notice the warehouse can issue
                notice = shipping_notice_create(
                    actor=clerk,
                    data={
                        "contract": contract.pk,
                        "warehouse": ctx["warehouse"].pk,
                        "lines": [
                            {"contract_line": line.pk, "quantity": str(line.quantity / 2)}
                            for line in contract.lines.all()
                        ],
                    },
                )
                notice = shipping_notice_submit(actor=clerk, notice_id=notice.pk)
                approval_decide(
                    actor=boss["sales_manager"],
                    request_id=notice.approval_request.pk,
                    approve=True,
                )
        order = order_create(actor=clerk, customer_id=own[2].pk, lines=lines)
        order_submit(actor=clerk, order_id=order.pk)  # pending at its sales manager
    return {
        "password": PASSWORD,
        "weights": PEOPLE,
        "people": people,
        "products": [p.pk for p in ctx["products"]],
        "unit_price": LINES[1],
        "warehouse": ctx["warehouse"].pk,
        "customers": customers,
    }
