"""The journal (issue 12 item 1, DESIGN §4, R24) and revenue at the signed delivery (item 2,
R14): one posting service that refuses an unbalanced entry, a future date and a closed month;
posted entries never change — not through the ORM, not through raw SQL on PostgreSQL; a
correction is a reversal naming what it reverses."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import InvalidInput, RuleViolation
from core.models import ClosedPeriod
from finance.models import CHART, Account, JournalEntry, JournalEntryImmutable, JournalLine
from finance.services import journal_post, journal_reverse
from inventory import services as inventory
from tests.inventory.conftest import (  # noqa: F401  (fixtures)
    approved_order,
    catalogue,
    contract,
    customer,
    finance,
    guard,
    head,
    keeper,
    lathe_line,
    shipped_notice,
    warehouse,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _post(actor, lines, *, date=None, **extra):
    with transaction.atomic():
        return journal_post(
            actor=actor,
            date=date or TODAY(),
            memo="test",
            source_type="test",
            source_id=1,
            lines=lines,
            **extra,
        )


def test_the_chart_of_design_is_seeded_with_the_sub_account_for_uninvoiced_vat():
    codes = set(Account.objects.values_list("code", flat=True))

    assert {code for code, *_rest in CHART} <= codes
    assert {"1002", "1122", "2203", "2211", "2221", "6001", "6601", "6603"} <= codes
    assert Account.objects.get(code="222102").parent.code == "2221"


@pytest.mark.rule("R24")
def test_a_balanced_entry_is_posted_with_its_lines(finance):  # noqa: F811
    entry = _post(finance, [("1002", Decimal("100.00"), 0), ("2203", 0, Decimal("100.00"))])

    sides = list(entry.lines.values_list("account__code", "debit", "credit"))
    assert sides == [("1002", Decimal("100.00"), Decimal("0.00")), ("2203", 0, Decimal("100.00"))]


@pytest.mark.rule("R25")
def test_an_unbalanced_entry_is_refused_and_nothing_is_written(finance):  # noqa: F811
    with pytest.raises(InvalidInput) as refused:
        _post(finance, [("1002", Decimal("100.00"), 0), ("2203", 0, Decimal("99.99"))])

    assert "lines" in refused.value.errors
    assert not JournalEntry.objects.exists()


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    "lines",
    [
        [],
        [("1002", Decimal("1.00"), Decimal("1.00")), ("2203", 0, 0)],
        [("9999", Decimal("1.00"), 0), ("2203", 0, Decimal("1.00"))],
        [("1002", Decimal("-1.00"), 0), ("2203", Decimal("-1.00"), 0)],
    ],
)
def test_malformed_lines_are_refused_naming_them(finance, lines):  # noqa: F811
    with pytest.raises(InvalidInput) as refused:
        _post(finance, lines)

    assert all(key.startswith("lines") for key in refused.value.errors)
    assert not JournalEntry.objects.exists()


@pytest.mark.rule("R25")
def test_a_posting_dated_in_the_future_is_refused_naming_the_date(finance):  # noqa: F811
    tomorrow = TODAY() + datetime.timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        _post(finance, [("1002", 1, 0), ("2203", 0, 1)], date=tomorrow)

    assert list(refused.value.errors) == ["date"]


@pytest.mark.rule("R20")
def test_a_posting_in_a_closed_month_is_refused_period_closed(finance):  # noqa: F811
    ClosedPeriod.objects.create(period="2025-03")

    with pytest.raises(RuleViolation) as refused:
        _post(finance, [("1002", 1, 0), ("2203", 0, 1)], date=datetime.date(2025, 3, 31))

    assert refused.value.code == "period_closed" and "date" in refused.value.errors
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_posting_outside_the_events_transaction_is_a_programming_error(finance):  # noqa: F811
    with pytest.raises(RuntimeError):
        journal_post(
            actor=finance,
            date=TODAY(),
            memo="x",
            source_type="t",
            source_id=1,
            lines=[("1002", 1, 0), ("2203", 0, 1)],
        )


@pytest.mark.rule("R24")
def test_posted_entries_and_lines_refuse_change_and_delete_in_the_orm(finance):  # noqa: F811
    entry = _post(finance, [("1002", 5, 0), ("2203", 0, 5)])
    line = entry.lines.first()

    entry.memo = "changed"
    with pytest.raises(JournalEntryImmutable):
        entry.save()
    with pytest.raises(JournalEntryImmutable):
        entry.delete()
    line.debit = Decimal("6.00")
    with pytest.raises(JournalEntryImmutable):
        line.save()
    with pytest.raises(JournalEntryImmutable):
        line.delete()


@pytest.mark.rule("R24")
@pytest.mark.postgres
def test_the_database_refuses_update_and_delete_of_posted_entries(finance):  # noqa: F811
    entry = _post(finance, [("1002", 5, 0), ("2203", 0, 5)])

    for sql in (
        "UPDATE finance_journalentry SET memo = 'x' WHERE id = %s",
        "DELETE FROM finance_journalentry WHERE id = %s",
        "UPDATE finance_journalline SET debit = 6 WHERE entry_id = %s",
        "DELETE FROM finance_journalline WHERE entry_id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert JournalEntry.objects.get(pk=entry.pk).memo == "test"


@pytest.mark.rule("R24")
def test_a_reversal_swaps_the_lines_names_what_it_reverses_and_happens_once(finance):  # noqa: F811
    entry = _post(finance, [("1002", Decimal("70.00"), 0), ("2203", 0, Decimal("70.00"))])

    with transaction.atomic():
        reversal = journal_reverse(actor=finance, entry_id=entry.pk, reason="录入错误")

    assert reversal.reverses_id == entry.pk
    assert list(reversal.lines.values_list("account__code", "debit", "credit")) == [
        ("1002", Decimal("0.00"), Decimal("70.00")),
        ("2203", Decimal("70.00"), Decimal("0.00")),
    ]
    with pytest.raises(RuleViolation) as again, transaction.atomic():
        journal_reverse(actor=finance, entry_id=entry.pk, reason="twice")
    assert again.value.code == "invalid_transition"
    with pytest.raises(InvalidInput), transaction.atomic():
        journal_reverse(actor=finance, entry_id=reversal.pk, reason="")


def _balance(account: str, contract) -> Decimal:  # noqa: F811
    sums = JournalLine.objects.filter(account__code=account, contract=contract).aggregate(
        d=Sum("debit"), c=Sum("credit")
    )
    return (sums["d"] or 0) - (sums["c"] or 0)


@pytest.mark.rule("R14")
def test_the_signed_delivery_books_receivable_revenue_and_uninvoiced_vat(
    clerk,
    manager,
    keeper,  # noqa: F811
    guard,  # noqa: F811
    contract,  # noqa: F811
    lathe_line,  # noqa: F811
    warehouse,  # noqa: F811
):
    notice = shipped_notice(
        guard=guard,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    assert not JournalEntry.objects.exists()  # shipped is not revenue (R14)
    signed = TODAY() - datetime.timedelta(days=2)

    inventory.shipping_notice_confirm_delivery(
        actor=clerk, notice_id=notice.pk, signed_by="李四", signed_at=signed.isoformat()
    )

    entry = JournalEntry.objects.get(source_type="shipping_notice", source_id=notice.pk)
    assert (entry.date, entry.contract_id, entry.customer_id) == (
        signed,
        contract.pk,
        contract.customer_id,
    )
    assert entry.source_number == notice.number and entry.posted_by == clerk
    assert _balance("1122", contract) == Decimal("180800.00")
    assert _balance("6001", contract) == Decimal("-160000.00")
    assert _balance("222102", contract) == Decimal("-20800.00")
    contract.ledger.refresh_from_db()
    assert contract.ledger.delivered == _balance("1122", contract)  # ledger = journal


@pytest.mark.rule("R14", "R20")
def test_a_delivery_the_journal_refuses_is_not_signed_either(
    clerk,
    manager,
    keeper,  # noqa: F811
    guard,  # noqa: F811
    contract,  # noqa: F811
    lathe_line,  # noqa: F811
    warehouse,  # noqa: F811
):
    notice = shipped_notice(
        guard=guard,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        contract=contract,
        warehouse=warehouse,
        line=lathe_line,
    )
    Account.objects.filter(code="6001").update(code="X6001")  # revenue unknown to the journal

    with pytest.raises(InvalidInput):
        inventory.shipping_notice_confirm_delivery(
            actor=clerk, notice_id=notice.pk, signed_by="李四", signed_at=TODAY().isoformat()
        )

    notice.refresh_from_db()
    assert notice.status == "shipped"
    assert not JournalEntry.objects.exists()


@pytest.mark.rule("R20")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_posting_waits_for_the_close_of_its_month_and_then_is_refused(finance):  # noqa: F811
    """The month's lock row: a close holds it FOR UPDATE, a posting FOR SHARE — so a posting
    that comes while the month closes waits, then finds it closed (never slips in)."""
    import threading
    import time

    from core.periods import period_lock, period_of

    period = period_of(TODAY())
    locked = threading.Event()
    outcome = {}

    def close():
        try:
            with transaction.atomic():
                period_lock(period, exclusive=True)
                locked.set()
                time.sleep(0.6)
                ClosedPeriod.objects.create(period=period)
        finally:
            connection.close()

    def post():
        try:
            locked.wait(5)
            started = time.monotonic()
            try:
                _post(finance, [("1002", 1, 0), ("2203", 0, 1)])
                outcome["result"] = "posted"
            except RuleViolation as refused:
                outcome["result"] = refused.code
            outcome["waited"] = time.monotonic() - started
        finally:
            connection.close()

    threads = [threading.Thread(target=close), threading.Thread(target=post)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert outcome["result"] == "period_closed"
    assert outcome["waited"] > 0.3  # it waited for the close to commit
    assert not JournalEntry.objects.exists()


@pytest.mark.rule("R24")
def test_the_journal_api_lists_entries_by_contract_for_finance_only(
    api,
    make_user,
    finance,  # noqa: F811
    contract,  # noqa: F811
    django_assert_max_num_queries,
):
    _post(
        finance,
        [("1122", Decimal("10.00"), 0), ("6001", 0, Decimal("10.00"))],
        contract_id=contract.pk,
    )
    _post(finance, [("1002", Decimal("3.00"), 0), ("2203", 0, Decimal("3.00"))])

    with django_assert_max_num_queries(10):  # auth, roles, count, page, lines: not per row
        body = api.as_user(finance).get(f"/api/v1/journal/?contract={contract.pk}").json()

    assert body["count"] == 1
    assert body["results"][0]["lines"] == [
        {"account": "1122", "debit": "10.00", "credit": "0.00"},
        {"account": "6001", "debit": "0.00", "credit": "10.00"},
    ]
    assert api.as_user(make_user("sales_clerk")).get("/api/v1/journal/").status_code == 403
    entry_id = body["results"][0]["id"]
    assert api.as_user(finance).delete(f"/api/v1/journal/{entry_id}/").status_code == 405
    assert api.as_user(finance).post("/api/v1/journal/", {}, format="json").status_code == 405


@pytest.mark.rule("R24")
def test_the_admin_shows_the_journal_read_only(client, make_user, finance):  # noqa: F811
    entry = _post(finance, [("1002", 2, 0), ("2203", 0, 2)])
    client.force_login(make_user("general_manager", is_staff=True, is_superuser=True))

    page = client.get(f"/admin/finance/journalentry/{entry.pk}/change/")
    posted = client.post(f"/admin/finance/journalentry/{entry.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200 and 'name="memo"' not in page.content.decode()
    assert posted.status_code == 403
    assert JournalEntry.objects.filter(pk=entry.pk).exists()
