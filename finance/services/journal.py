"""The one posting service of the journal (DESIGN §4, R24). Nothing writes a journal entry any
other way: the signed delivery, receipts, invoices, interest and commission all call
`journal_post` inside their own transaction, so an entry and its event commit together or not
at all.

The chart (`finance.models.CHART`, seeded by migration 0002):

    1002    银行存款                 bank                              asset
    1122    应收账款                 accounts receivable               asset
    2203    预收账款                 advances from customers           liability
    2211    应付职工薪酬—提成          commission payable                liability
    2221    应交税费—应交增值税(销项)   VAT output (invoiced)             liability
    222102  应交税费—待转销项税额      VAT output on delivered sales,    liability (under 2221)
                                     not yet invoiced
    6001    主营业务收入              revenue                           revenue
    6601    销售费用—提成             selling expense (commission)      expense
    6603    财务费用—利息收入          finance income (interest)         revenue

Posting rules (built ones marked ✓; the rest are written here as the issues that build them
must post them):

    ✓ signed delivery (R14)       Dr 1122 gross / Cr 6001 net, Cr 222102 tax
    ✓ receipt recorded (R16)      Dr 1002 / Cr 2203 (the customer's, no contract)
    ✓ allocation (R16)            Dr 2203 (customer) / Cr 1122 what the contract's deliveries
                                  made receivable, Cr 2203 (contract) the rest (its advance)
    ✓ advance applied at delivery Dr 2203 (contract) / Cr 1122
    ✓ receipt reversed (R24)      its allocations and its entry reversed
                                  (finance/services/receipts.py)
    ✓ invoice issued (R17)        Dr 222102 / Cr 2221 its tax  (VAT becomes due when invoiced;
                                  dated the issue day, source "invoice"; no tax, no entry)
    ✓ red invoice issued (R17)    Dr 2221 / Cr 222102 the tax of the invoice it reverses
                                  (finance/services/invoices.py)
    ✓ monthly interest (R18)      Dr 1122 / Cr 6603            (finance/services/interest.py:
                                  per contract and month, dated the month's last day,
                                  source_type "interest", source the contract, number the
                                  period)
    ✓ commission approved (R19)   Dr 6601 / Cr 2211 the slip's total, dated the approval day
    ✓ commission paid (R19)       Dr 2211 / Cr 1002 the same, dated the payment day
                                  (finance/services/commission.py; source "commission_slip",
                                  no contract; a zero total posts nothing)
    ✓ reversal                    the entry's lines with debit and credit swapped, naming it

Every entry balances exactly (no tolerance), is dated no later than today (TIME_ZONE) and not
in a closed month (`period_closed`; the month's lock row is held FOR SHARE until the event
commits, `core.periods`); posted entries and lines never change (the models refuse; on
PostgreSQL a trigger refuses UPDATE and DELETE).
"""

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, RuleViolation
from core.money import money
from core.periods import require_open_period
from finance.models import Account, JournalEntry, JournalLine

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ZERO = Decimal("0.00")


def journal_post(
    *,
    actor: "User",
    date: datetime.date,
    memo: str,
    source_type: str,
    source_id: int,
    source_number: str = "",
    lines: Sequence[tuple],
    contract_id: int | None = None,
    customer_id: int | None = None,
    reverses: JournalEntry | None = None,
    period_held: bool = False,
) -> JournalEntry:
    """Post one balanced entry: `lines` are (account code, debit, credit), each one side above
    zero, or (account code, debit, credit, contract id) for a line whose contract is not the
    entry's (None: the customer's account, e.g. money on account before it is allocated).
    Runs in the caller's transaction (the event it books). `period_held`: the caller has
    already checked `date`'s month open in this transaction (`core.periods.booking_date` or
    `require_open_period`, which hold it open until the commit), so it is not asked again."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("journal_post runs inside the transaction of the event it books")
    if date > timezone.localdate():
        raise InvalidInput(errors={"date": [_("A posting cannot be dated in the future.")]})
    if not period_held:
        require_open_period(date, field="date")
    entry = JournalEntry(
        date=date,
        memo=memo[:200],
        contract_id=contract_id,
        customer_id=customer_id,
        source_type=source_type,
        source_id=source_id,
        source_number=source_number,
        reverses=reverses,
        posted_by=actor,
    )
    if _post_in_one_statement(entry, lines):
        return entry
    # Elsewhere, or when the entry was refused (nothing written): the same checks, each
    # refusal naming its line, then the entry and its lines.
    accounts = {a.code: a for a in Account.objects.filter(code__in={line[0] for line in lines})}
    rows, errors = [], {}
    for index, (code, debit, credit, *line_contract) in enumerate(lines):
        debit, credit = money(debit or ZERO), money(credit or ZERO)
        if code not in accounts:
            errors[f"lines.{index}.account"] = [_("Unknown account.")]
        elif (debit > 0) == (credit > 0) or debit < 0 or credit < 0:
            errors[f"lines.{index}"] = [_("A line is a debit or a credit, above zero.")]
        else:
            rows.append((accounts[code], debit, credit, *(line_contract or [contract_id])))
    if not lines:
        errors["lines"] = [_("An entry needs lines.")]
    if errors:
        raise InvalidInput(errors=errors)
    debits, credits = sum(r[1] for r in rows), sum(r[2] for r in rows)
    if debits != credits:
        raise InvalidInput(
            errors={
                "lines": [
                    _("Debits %(debits)s and credits %(credits)s differ.")
                    % {"debits": debits, "credits": credits}
                ]
            }
        )
    entry.save(force_insert=True)
    JournalLine.objects.bulk_create(
        JournalLine(
            entry=entry,
            account=account,
            debit=debit,
            credit=credit,
            contract_id=line_contract_id,
            customer_id=customer_id,
        )
        for account, debit, credit, line_contract_id in rows
    )
    return entry


# The entry, its lines and their accounts (by code) in one statement (issue 14): the entry is
# inserted only if every line's account is known, so a refused entry writes nothing.
_POST_SQL = """
WITH v AS (
    SELECT v.ord, a.id AS account_id, v.debit, v.credit, v.contract_id
    FROM unnest(%s::varchar[], %s::numeric[], %s::numeric[], %s::bigint[])
        WITH ORDINALITY AS v(code, debit, credit, contract_id, ord)
    JOIN finance_account a ON a.code = v.code
), e AS (
    INSERT INTO finance_journalentry (contract_id, customer_id, date, memo, source_type,
        source_id, source_number, reverses_id, posted_by_id, posted_at)
    SELECT %s::bigint, %s::bigint, %s::date, %s::varchar, %s::varchar, %s::bigint,
        %s::varchar, %s::bigint, %s::bigint, %s::timestamptz
    WHERE (SELECT count(*) FROM v) = %s
    RETURNING id
)
INSERT INTO finance_journalline (contract_id, customer_id, entry_id, account_id, debit, credit)
SELECT v.contract_id, %s::bigint, e.id, v.account_id, v.debit, v.credit
FROM e CROSS JOIN v ORDER BY v.ord
RETURNING entry_id
"""


def _post_in_one_statement(entry: JournalEntry, lines: Sequence[tuple]) -> bool:
    """On PostgreSQL, a well-formed entry (each line one side above zero, balanced) is written
    with its lines in one statement that finds the accounts by code (issue 14: one round trip
    instead of three). False, with nothing written, when the lines need `journal_post`'s
    checks to name what is wrong (an unknown account among them) or on another database."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or not lines:
        return False
    codes, debits, credits, contracts = [], [], [], []
    for code, debit, credit, *line_contract in lines:
        debit, credit = money(debit or ZERO), money(credit or ZERO)
        if (debit > 0) == (credit > 0) or debit < 0 or credit < 0:
            return False
        codes.append(code)
        debits.append(debit)
        credits.append(credit)
        contracts.append(line_contract[0] if line_contract else entry.contract_id)
    if sum(debits) != sum(credits):
        return False
    entry.posted_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _POST_SQL,
            [
                codes,
                debits,
                credits,
                contracts,
                entry.contract_id,
                entry.customer_id,
                entry.date,
                entry.memo,
                entry.source_type,
                entry.source_id,
                entry.source_number,
                entry.reverses_id,
                entry.posted_by_id,
                entry.posted_at,
                len(codes),
                entry.customer_id,
            ],
        )
        inserted = cursor.fetchall()
    if len(inserted) != len(codes):  # an unknown account: nothing was written
        return False
    entry.pk = inserted[0][0]
    entry._state.adding = False
    entry._state.db = connection.alias
    return True


def journal_reverse(
    *, actor: "User", entry_id: int, reason: str, date: datetime.date | None = None
) -> JournalEntry:
    """A correction (R24): a new entry with the lines of `entry_id` swapped, dated `date`
    (default today), naming what it reverses. An entry is reversed once; a reversal is not
    reversed again (post the entry anew instead). Runs in the caller's transaction."""
    if not reason.strip():
        raise InvalidInput(errors={"reason": [_("Say why the entry is reversed.")]})
    entry = JournalEntry.objects.select_for_update().get(pk=entry_id)
    if entry.reverses_id is not None or JournalEntry.objects.filter(reverses=entry).exists():
        raise RuleViolation(
            "invalid_transition",
            detail=_("This entry is a reversal or has been reversed already."),
        )
    return journal_post(
        actor=actor,
        date=date or timezone.localdate(),
        memo=_("Reversal of entry %(id)s: %(reason)s") % {"id": entry.pk, "reason": reason},
        source_type=entry.source_type,
        source_id=entry.source_id,
        source_number=entry.source_number,
        lines=[
            (line.account.code, line.credit, line.debit, line.contract_id)
            for line in entry.lines.all()
        ],
        contract_id=entry.contract_id,
        customer_id=entry.customer_id,
        reverses=entry,
    )


def late_memo(memo: str, *, dated: datetime.date, booked: datetime.date | None) -> str:
    """The memo of an entry a late document posts (`core.periods`: booked on the first day of
    the first open month) names the document's own date; otherwise `memo` as it is."""
    if booked is None or booked == dated:
        return memo
    return _("Late document dated %(day)s: %(memo)s") % {"memo": memo, "day": dated.isoformat()}


def delivery_revenue_post(
    *, notice, contract_id: int, delivered_on, net, tax, amount, actor, booked_on=None, **_event
) -> JournalEntry:
    """R14: the customer-signed copy books revenue and the receivable, in the delivery's
    transaction (`inventory.signals.delivery_confirmed`; a failure here rolls the signature
    back), on `booked_on` (a late document's) or the signing day. The VAT waits on 222102
    until the invoice is issued (R17)."""
    lines = [("1122", amount, ZERO), ("6001", ZERO, net)]
    if tax:
        lines.append(("222102", ZERO, tax))
    return journal_post(
        actor=actor,
        date=booked_on or delivered_on,
        memo=late_memo(
            _("Signed delivery %(number)s") % {"number": notice.number},
            dated=delivered_on,
            booked=booked_on,
        ),
        source_type="shipping_notice",
        source_id=notice.pk,
        source_number=notice.number,
        lines=lines,
        contract_id=contract_id,
        customer_id=notice.customer_id,
        # `booked_on`: the delivery holds its month open (inventory.signals.delivery_confirmed)
        period_held=booked_on is not None,
    )
