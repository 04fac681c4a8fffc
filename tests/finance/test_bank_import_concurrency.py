"""Bank statement confirms racing on real PostgreSQL (issue 12 item 4): a bank line becomes one
receipt, whoever confirms it and however many statements bring it. Two threads, each with its
own connection and transaction, released together; the race harness (`Race`) of the fulfilment
tests holds the first commit back until the other call waits for a lock, so the calls overlap
whatever the scheduling."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from finance.models import BankStatementLine, Receipt
from finance.services import bank_statement_confirm
from tests.factories import CustomerFactory
from tests.finance.test_bank_import import csv_file, upload
from tests.inventory.test_concurrency_fulfilment import Race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = timezone.localdate() - datetime.timedelta(days=1)
ROW = [DAY.isoformat(), "1000.00", "付款单位有限公司", "B-0001"]


def _confirm(actor, statement, customer):
    return lambda: bank_statement_confirm(
        actor=actor, statement_id=statement.pk, lines=[{"row": 2, "customer": customer.pk}]
    )


@pytest.mark.rule("R16")
def test_two_confirms_of_one_statement_at_once_import_its_line_once(make_user):
    finance, finance2 = make_user("finance"), make_user("finance")
    customer = CustomerFactory()
    statement = upload(finance, csv_file([ROW]))

    race = Race(
        _confirm(finance, statement, customer), _confirm(finance2, statement, customer)
    ).run()

    _winner, loser = race.winner_and_loser()
    assert race.outcomes[loser] == ("refused", "invalid_transition")
    assert list(race.refusals[loser].errors) == ["lines.0.row"]
    assert race.waited == {loser}  # behind the statement's lock
    assert Receipt.objects.count() == 1
    line = BankStatementLine.objects.get()
    assert (line.status, line.receipt.amount) == ("imported", Decimal("1000.00"))


@pytest.mark.rule("R16")
def test_one_line_in_two_statements_confirmed_at_once_becomes_one_receipt(make_user):
    """Two statements bring the same line (same date, amount, reference), confirmed at once to
    two customers (no shared customer lock): the database's unique index on imported lines lets
    one through and the other is refused `duplicate_line`, nothing of it written."""
    finance, finance2 = make_user("finance"), make_user("finance")
    first, second = CustomerFactory(), CustomerFactory()
    statements = [upload(finance, csv_file([ROW])), upload(finance2, csv_file([ROW]))]

    race = Race(
        _confirm(finance, statements[0], first), _confirm(finance2, statements[1], second)
    ).run()

    winner, loser = race.winner_and_loser()
    assert race.outcomes[loser] == ("refused", "duplicate_line")
    assert list(race.refusals[loser].errors) == ["lines.0.row"]
    assert Receipt.objects.count() == 1
    assert Receipt.objects.get().customer == (first, second)[winner]
    statuses = [s.lines.get().status for s in statements]
    assert statuses[winner] == "imported"
    assert statuses[loser] == "unmatched"  # still to confirm, shown duplicate on its page
