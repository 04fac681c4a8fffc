"""The load test's short form (issue 16, item 4): `python -m bench.load --duration 60` — about
20 clerks, approvers, warehouse and finance people over REST against gunicorn with several
workers, PostgreSQL, Redis and a Celery worker — answers no 5xx and leaves every invariant
holding (check_invariants, or the R3 exposure check where that command is not there yet).

PostgreSQL and Redis only (CI has both). The load runs on a copy of this session's migrated test
database (its reference data put back first, as every transactional test has it), so it needs
no second `migrate`; the copy is dropped afterwards. About two minutes in all.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _url(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] or "postgres"
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _drop(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.rule("R3")
def test_sixty_seconds_of_twenty_people_answer_no_5xx_and_keep_the_invariants(tmp_path):
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.skip("needs a Redis broker for the load's Celery worker: set CELERY_BROKER_URL")
    template = connection.settings_dict["NAME"]
    copy = f"{template}_loadrun"
    connections.close_all()  # a database being copied must have no one connected
    command = [
        sys.executable, "-m", "bench.load", "--users", "20", "--duration", "60",
        "--database-url", _url(copy), "--template", template, "--broker", broker,
        "--out", str(tmp_path),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "CI")}
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=420
        )
    finally:
        _drop(copy)
    report = done.stdout + done.stderr[-3000:]
    print(report)  # the figures, shown with -rP or -s
    assert done.returncode == 0, report
    assert "\nOK\n" in done.stdout, report
    aggregated = next(line for line in done.stdout.splitlines() if line.startswith("Aggregated"))
    requests, failures, server_errors = (int(v) for v in aggregated.split()[1:4])
    assert requests > 200, report  # the people did work, not only log in
    assert failures == 0 and server_errors == 0, report
