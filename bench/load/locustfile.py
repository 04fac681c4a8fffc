"""The people of an order-to-cash day doing their real work over REST (issue 16, item 4), as
integrations do: a token from `POST auth/token/`, `Authorization: Token …`, a fresh
`Idempotency-Key` on every POST; clerks also open a few pages with a session of their own.

Run by `python -m bench.load` (bench/load/__main__.py), which seeds the data
(bench/load/seed.py) and hands its JSON over in LOAD_SEED. Each simulated person logs in with an
account of their own. The weights make 20 users: 9 clerks, 2 sales managers, a general
manager, a head of sales, a VP of finance, 2 warehouse keepers, a guard and 3 in finance.

A refusal a real day has — two managers deciding the same step (403 `not_your_step`, 409), a
contract already fully on notices (409 `over_shipment`), an invoice before enough is collected
(409 `collection_threshold_not_met`) — is counted as answered, not failed; any other 4xx is a
failure of the script, and a 5xx or a dropped connection is the server failing. Every answer's
status is tallied per endpoint into LOAD_STATUS (JSON) when the run ends.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import random
import uuid
from collections import Counter, defaultdict
from decimal import Decimal

from locust import HttpUser, between, events, task
from locust.clients import HttpSession

with open(os.environ["LOAD_SEED"], encoding="utf-8") as _seed:
    SEED = json.load(_seed)
API = "/api/v1/"
EXPECTED = {403, 409}  # the day's ordinary refusals (see the docstring)
STATUS: dict[str, Counter] = defaultdict(Counter)


@events.request.add_listener
def _tally(request_type, name, response=None, exception=None, **kwargs):
    status = getattr(response, "status_code", 0) if response is not None else 0
    key = str(status or 0)
    if 400 <= status < 500:  # which refusal: the error body's code (`not_your_step`, …)
        with contextlib.suppress(ValueError, AttributeError):
            key += " " + str(response.json().get("code", ""))
    STATUS[f"{request_type} {name}"][key.strip()] += 1


@events.quitting.add_listener
def _write_status(environment, **kwargs):
    path = os.environ.get("LOAD_STATUS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump({k: dict(v) for k, v in STATUS.items()}, out, indent=1, sort_keys=True)


def today() -> str:
    return datetime.date.today().isoformat()


class Person(HttpUser):
    """One person of `role` with their own account, their token on every API call."""

    abstract = True
    role = ""
    wait_time = between(0.5, 2.0)
    _taken: dict[str, int] = defaultdict(int)  # role → accounts handed out so far

    def on_start(self) -> None:
        accounts = SEED["people"][self.role]
        index = Person._taken[self.role]
        Person._taken[self.role] += 1
        self.username = accounts[index % len(accounts)]
        self.index = index
        self.client.headers.update({"Accept": "application/json", "Accept-Language": "zh-hans"})
        answer = self.client.post(
            API + "auth/token/",
            json={"username": self.username, "password": SEED["password"]},
            name="auth/token/",
        )
        answer.raise_for_status()
        self.client.headers["Authorization"] = f"Token {answer.json()['token']}"

    # --- requests --------------------------------------------------------------------------

    def get(self, path: str, name: str) -> dict | None:
        with self.client.get(API + path, name=name, catch_response=True) as answer:
            return self._judge(answer)

    def post(self, path: str, name: str, body: dict | None = None) -> dict | None:
        with self.client.post(
            API + path,
            json=body or {},
            headers={"Idempotency-Key": uuid.uuid4().hex},
            name=name,
            catch_response=True,
        ) as answer:
            return self._judge(answer)

    @staticmethod
    def _judge(answer) -> dict | None:
        """The body of a 2xx; None for an expected refusal (success) or a failure."""
        status = answer.status_code
        if 200 <= status < 300:
            answer.success()
            return answer.json() if answer.content else {}
        if status in EXPECTED:
            answer.success()
            return None
        body = answer.text[:300] if answer.text else ""
        answer.failure(f"{status or 'no answer'}: {body}")
        return None

    def approve_pending(self, limit: int = 3) -> None:
        """The inbox (R22), oldest first; decide some of it. Two people of one role see the
        same inbox: they start at different places and a step already decided is a 403/409."""
        inbox = self.get("approvals/?mine=pending&page_size=20", "approvals/?mine=pending")
        if not inbox or not inbox["results"]:
            return
        rows = inbox["results"]
        start = self.index % len(rows)
        for row in (rows[start:] + rows[:start])[:limit]:
            self.post(
                f"approvals/{row['id']}/approve/", "approvals/{id}/approve/", {"comment": "同意"}
            )


class Clerk(Person):
    """Sales clerk (R23: only their own customers): orders, quotations, contracts, shipping
    notices, signed deliveries; lists and searches; a few pages."""

    role = "sales_clerk"
    weight = SEED["weights"]["sales_clerk"]

    def on_start(self) -> None:
        super().on_start()
        self.customers = SEED["customers"][self.username]
        self.noticed: set[int] = set()
        self.pages = HttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self
        )
        login = self.pages.get("/login/", name="/login/ (page)")
        self.pages.post(
            "/login/",
            data={
                "username": self.username,
                "password": SEED["password"],
                "csrfmiddlewaretoken": login.cookies.get("csrftoken", ""),
            },
            headers={"Referer": self.host + "/login/"},
            name="/login/ (page)",
        ).raise_for_status()

    def lines(self) -> list[dict]:
        return [
            {"product": p, "quantity": str(random.randint(1, 3)), "unit_price": SEED["unit_price"]}
            for p in SEED["products"]
        ]

    @task(3)
    def browse(self) -> None:
        self.get("customers/?search=压测", "customers/?search=")
        self.get("orders/?page_size=20", "orders/")
        self.get(f"customers/{random.choice(self.customers)}/credit/", "customers/{id}/credit/")

    @task(4)
    def order(self) -> None:
        body = {"customer": random.choice(self.customers), "lines": self.lines()}
        order = self.post("orders/", "orders/", body)
        if order:
            self.post(f"orders/{order['id']}/submit/", "orders/{id}/submit/")

    @task(2)
    def quotation(self) -> None:
        valid = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        body = {"customer": random.choice(self.customers), "valid_until": valid}
        quotation = self.post("quotations/", "quotations/", {**body, "lines": self.lines()})
        if quotation:
            self.post(f"quotations/{quotation['id']}/submit/", "quotations/{id}/submit/")

    @task(2)
    def contract(self) -> None:
        approved = self.get("orders/?status=approved&page_size=5", "orders/?status=approved")
        for order in (approved or {}).get("results", [])[:1]:
            contract = self.post("contracts/", "contracts/", {"order": order["id"]})
            if contract:
                self.post(f"contracts/{contract['id']}/submit/", "contracts/{id}/submit/")

    @task(2)
    def shipping_notice(self) -> None:
        active = self.get("contracts/?status=active&page_size=20", "contracts/?status=active")
        fresh = [c for c in (active or {}).get("results", []) if c["id"] not in self.noticed]
        if not fresh:
            return
        contract = self.get(f"contracts/{fresh[0]['id']}/", "contracts/{id}/")
        if not contract:
            return
        self.noticed.add(contract["id"])
        body = {
            "contract": contract["id"],
            "warehouse": SEED["warehouse"],
            "lines": [
                {"contract_line": line["id"], "quantity": line["quantity"]}
                for line in contract["lines"]
            ],
        }
        notice = self.post("shipping-notices/", "shipping-notices/", body)
        if notice:
            self.post(f"shipping-notices/{notice['id']}/submit/", "shipping-notices/{id}/submit/")

    @task(1)
    def delivery(self) -> None:
        shipped = self.get(
            "shipping-notices/?status=shipped&page_size=5", "shipping-notices/?status=shipped"
        )
        for notice in (shipped or {}).get("results", [])[:1]:
            self.post(
                f"shipping-notices/{notice['id']}/confirm-delivery/",
                "shipping-notices/{id}/confirm-delivery/",
                {"signed_by": "王收货", "signed_at": today()},
            )

    @task(1)
    def pages_(self) -> None:
        for path in ("/orders/", "/customers/"):
            with self.pages.get(path, name=f"{path} (page)", catch_response=True) as page:
                if page.status_code == 200 and "/login/" not in page.url:
                    page.success()
                else:
                    page.failure(f"{page.status_code} {page.url}")


class SalesManager(Person):
    """Approves orders (first step) and shipping notices."""

    role = "sales_manager"
    weight = SEED["weights"]["sales_manager"]

    @task
    def decide(self) -> None:
        self.approve_pending()


class GeneralManager(Person):
    """Approves orders (second step); looks at the aging report."""

    role = "general_manager"
    weight = SEED["weights"]["general_manager"]

    @task(4)
    def decide(self) -> None:
        self.approve_pending()

    @task(1)
    def aging(self) -> None:
        self.get(f"reports/aging/?as_of={today()}", "reports/aging/")


class SalesHead(Person):
    """Co-signs contracts and approves quotations (R8, R27)."""

    role = "sales_head"
    weight = SEED["weights"]["sales_head"]

    @task
    def decide(self) -> None:
        self.approve_pending()


class FinanceVP(Person):
    """Approves invoices."""

    role = "finance_vp"
    weight = SEED["weights"]["finance_vp"]

    @task
    def decide(self) -> None:
        self.approve_pending()


class Warehouse(Person):
    """Issues approved shipping notices (R13); looks at stock."""

    role = "warehouse"
    weight = SEED["weights"]["warehouse"]

    @task(3)
    def issue(self) -> None:
        approved = self.get(
            "shipping-notices/?status=approved&page_size=10", "shipping-notices/?status=approved"
        )
        rows = (approved or {}).get("results", [])
        if rows:
            notice = rows[self.index % len(rows)]
            self.post(f"shipping-notices/{notice['id']}/issue/", "shipping-notices/{id}/issue/")

    @task(1)
    def stock(self) -> None:
        self.get(f"stock/?warehouse={SEED['warehouse']}", "stock/")


class Guard(Person):
    """Lets issued goods out of the gate."""

    role = "security"
    weight = SEED["weights"]["security"]

    @task
    def gate(self) -> None:
        issued = self.get(
            "shipping-notices/?status=issued&page_size=5", "shipping-notices/?status=issued"
        )
        for notice in (issued or {}).get("results", [])[:1]:
            self.post(
                f"shipping-notices/{notice['id']}/exit/",
                "shipping-notices/{id}/exit/",
                {"gate_pass_no": notice["gate_pass_no"]},
            )


class Finance(Person):
    """Co-signs contracts; receipts allocated to contracts (R16); invoices (R17); aging."""

    role = "finance"
    weight = SEED["weights"]["finance"]

    @task(3)
    def decide(self) -> None:
        self.approve_pending()

    @task(3)
    def receipt(self) -> None:
        active = self.get("contracts/?status=active&page_size=20", "contracts/?status=active")
        rows = (active or {}).get("results", [])
        if not rows:
            return
        contract = random.choice(rows)
        ledger = self.get(f"contracts/{contract['id']}/ledger/", "contracts/{id}/ledger/")
        if not ledger:
            return
        left = Decimal(ledger["contracted"]) - Decimal(ledger["collected"])
        amount = min(left, (Decimal(contract["gross_amount"]) * Decimal("0.4")).quantize(1))
        if amount <= 0:
            return
        self.post(
            "receipts/",
            "receipts/",
            {
                "customer": contract["customer"],
                "amount": str(amount),
                "method": "bank_transfer",
                "received_on": today(),
                "reference": f"LOAD-{uuid.uuid4().hex[:8]}",
                "allocations": [{"contract": contract["id"], "amount": str(amount)}],
            },
        )

    @task(2)
    def invoice(self) -> None:
        active = self.get("contracts/?status=active&page_size=20", "contracts/?status=active")
        rows = (active or {}).get("results", [])
        if rows:
            invoice = self.post("invoices/", "invoices/", {"contract": random.choice(rows)["id"]})
            if invoice:
                self.post(f"invoices/{invoice['id']}/submit/", "invoices/{id}/submit/")

    @task(1)
    def aging(self) -> None:
        self.get(f"reports/aging/?as_of={today()}", "reports/aging/")
        self.get("receipts/?page_size=20", "receipts/")
