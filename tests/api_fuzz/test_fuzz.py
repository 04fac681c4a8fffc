"""Schema-driven fuzzing (issue 16 item 1): schemathesis generates requests for every operation
of the OpenAPI schema (`/api/schema/`, as drf-spectacular builds it) and sends them, in-process
through the WSGI app, as each of the 14 roles, a clerk who owns nothing and anonymous, against
books seeded with every kind of document (tests/core/query_budgets_seed.py). Every answer must
be no 5xx, a status the operation declares, of the declared content type and matching the
declared schema; every 4xx must carry the error body of API.md {"code","detail","errors"}.
Negative cases (data that breaks the schema: wrong types, unknown fields, …) must be refused
with a 4xx.

Each request runs in a savepoint rolled back afterwards: every request sees the seeded books,
and a request that fails cannot spoil the next one. Ids in URLs are drawn mostly from the
seeded objects' so that detail and action endpoints meet real documents, not only 404s.

Short run (CI): `FUZZ_EXAMPLES` examples per operation, identity and mode (default 3,
derandomised so that CI is repeatable). Long run (README, "Fuzzing"):
`FUZZ_EXAMPLES=50 pytest tests/api_fuzz -p no:cacheprovider -q -s` — random; prints what
it sent.
A failure lists every (identity, operation, check) that broke with a curl command to replay it.
"""

import os
import time
from collections import Counter

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
)

from core.roles import Role
from finance.models import Reconciliation
from tests.api_fuzz.support import CHECKS, error_body_problem, token_header

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
RANDOM = "FUZZ_EXAMPLES" in os.environ  # the long run explores; CI repeats itself
ONLY = os.environ.get("FUZZ_OPERATIONS", "")  # e.g. "POST /api/v1/orders/": only those
IDENTITIES = [*Role.values, "stranger_clerk", "anonymous"]

POSITIVE_CHECKS = CHECKS
# Schema-breaking input must not give a 5xx, an undeclared status or another error body. It is
# not required to be refused: DRF reads query parameters leniently (a `page_size` that is not
# a number gives the default page, a filter value it cannot read is not applied), and
# `negative_data_rejection` would report each such leniency (`FUZZ_STRICT=1` turns it on).
NEGATIVE_CHECKS = [*POSITIVE_CHECKS]
if os.environ.get("FUZZ_STRICT"):
    NEGATIVE_CHECKS.append(negative_data_rejection)


def token_headers(books, identity: str) -> dict:
    return token_header(None if identity == "anonymous" else books.users[identity])


def seeded_values(books) -> dict[str, list]:
    ids = sorted({v for values in books.objects.values() for v in values if isinstance(v, int)})
    periods = sorted(set(Reconciliation.objects.values_list("period", flat=True))) or ["2026-01"]
    return {"id": ids, "customer_id": ids, "period": periods}


MODES = (
    (schemathesis.GenerationMode.POSITIVE, POSITIVE_CHECKS),
    (schemathesis.GenerationMode.NEGATIVE, NEGATIVE_CHECKS),
)
# What schemathesis generated, per operation and mode: made once, sent as every identity
# (generating costs far more than answering).
_CASES: list = []
_UNSATISFIABLE: list[str] = []


def _keeper(found: list, checks):
    def keep(case, picks):
        found.append((case, picks, checks))

    return keep


def generated_cases(schema) -> list:
    """[(case, picks, checks)] for every operation of the schema (`FUZZ_OPERATIONS` narrows
    them), `EXAMPLES` per mode; `picks` choose seeded ids for the URL when it has them."""
    if _CASES:
        return _CASES
    hypothesis_settings = settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    picks = st.tuples(*[st.integers(0, 3 * 60) for _ in range(3)])
    for result in schema.get_all_operations():
        operation = result.ok()
        if ONLY and ONLY not in operation.label:
            continue
        for mode, checks in MODES:
            if mode == schemathesis.GenerationMode.NEGATIVE and not (
                operation.body or operation.query or operation.path_parameters
            ):
                continue  # nothing to break
            found: list = []
            strategy = operation.as_strategy(generation_mode=mode)
            try:
                hypothesis_settings(given(case=strategy, picks=picks)(_keeper(found, checks)))()
            except Unsatisfiable:
                _UNSATISFIABLE.append(f"{operation.label} ({mode.value})")
            _CASES.extend(found)
    return _CASES


class Fuzzer:
    def __init__(self, books, identity):
        self.headers = token_headers(books, identity)
        self.identity = identity
        self.seeded = seeded_values(books)
        self.sent = 0
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.call_seconds = 0.0

    def send(self, case, picks, checks):
        for name, pick in zip(("id", "customer_id", "period"), picks, strict=True):
            values = self.seeded[name]
            if (
                checks is POSITIVE_CHECKS  # a negative case's broken id stays broken
                and name in (case.path_parameters or {})
                and pick < 3 * len(values)
            ):
                case.path_parameters[name] = values[pick % len(values)]
        savepoint = transaction.savepoint()
        try:
            called = time.monotonic()
            response = case.call(headers=self.headers)
            self.call_seconds += time.monotonic() - called
            self.sent += 1
            self.statuses[response.status_code] += 1
            problems = []
            try:
                case.validate_response(response, checks=checks, headers=self.headers)
            except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis' failures
                failures = getattr(exc, "exceptions", [exc])
                problems.extend(f"{type(f).__name__}: {str(f).strip():.1500}" for f in failures)
            body = error_body_problem(response)
            if body:
                problems.append(body)
            for problem in problems:
                self.failures.append(
                    f"[{self.identity}] {case.operation.label} → {response.status_code}\n"
                    f"{problem}\n{case.as_curl_command(headers=self.headers)}"
                )
        finally:
            transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("identity", IDENTITIES)
def test_every_operation_as_every_identity(identity, books, api_schema):
    started = time.monotonic()
    cases = generated_cases(api_schema)
    generated = time.monotonic()
    fuzzer = Fuzzer(books, identity)
    for case, picks, checks in cases:
        fuzzer.send(case, picks, checks)
    operations = len({case.operation.label for case, _picks, _checks in cases})
    statuses = ", ".join(f"{code}×{n}" for code, n in sorted(fuzzer.statuses.items()))
    print(
        f"\nfuzz {identity}: {operations} operations, {fuzzer.sent} requests in "
        f"{time.monotonic() - generated:.0f} s (answering {fuzzer.call_seconds:.0f} s; "
        f"generating {generated - started:.0f} s) — {statuses}"
        + (f"; no negative case for {_UNSATISFIABLE}" if _UNSATISFIABLE else "")
    )
    assert not fuzzer.failures, f"{len(fuzzer.failures)} failures:\n\n" + "\n\n".join(
        fuzzer.failures[:40]
    )
