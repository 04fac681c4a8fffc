"""Serializers of the finance API: parse and shape, no business rule; money through
`core.api.fields.amount_field`."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.api.serializers import DocumentApprovalField
from contracts.models import Contract
from core.api.fields import ReferenceField, amount_field
from core.api.serializers import ModelSerializer, Serializer
from core.permissions import sees_customer
from finance.models import (
    Allocation,
    BankStatement,
    BankStatementLine,
    BankStatementLineStatus,
    Difference,
    InterestPosting,
    JournalEntry,
    JournalLine,
    LitigationCase,
    LitigationStatus,
    Receipt,
    Reconciliation,
)
from finance.selectors import BUCKETS
from sales.models import PaymentMethod


class JournalLineSerializer(ModelSerializer):
    account = serializers.SlugRelatedField(slug_field="code", read_only=True)
    debit = amount_field(read_only=True)
    credit = amount_field(read_only=True)

    class Meta:
        model = JournalLine
        fields = ["account", "debit", "credit"]


class JournalEntrySerializer(ModelSerializer):
    """API.md `journal/`: `{"id","date","memo","lines":[{"account","debit","credit"}]}`, with
    the contract, customer, source document and what it reverses added."""

    lines = JournalLineSerializer(many=True, read_only=True)
    source = serializers.SerializerMethodField(label=_("source document"))

    class Meta:
        model = JournalEntry
        fields = ["id", "date", "memo", "contract", "customer", "source", "reverses", "lines"]
        read_only_fields = fields

    def get_source(self, entry) -> dict:
        return {"type": entry.source_type, "id": entry.source_id, "number": entry.source_number}


class TrialBalanceRowSerializer(Serializer):
    account = serializers.CharField(help_text=_("Account code"))
    name = serializers.CharField()
    opening = amount_field(help_text=_("Debit minus credit before the month's first day"))
    debit = amount_field()
    credit = amount_field()
    closing = amount_field(help_text=_("Opening + debit − credit"))


class TrialBalanceTotalsSerializer(Serializer):
    opening = amount_field()
    debit = amount_field()
    credit = amount_field()
    closing = amount_field()


class TrialBalanceSerializer(Serializer):
    """API.md `reports/trial-balance/?period=`: Σ debit = Σ credit; balances debit − credit."""

    period = serializers.CharField(help_text=_("YYYY-MM"))
    accounts = TrialBalanceRowSerializer(many=True)
    totals = TrialBalanceTotalsSerializer()


class StatementLineSerializer(Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=["delivery", "interest", "invoice", "receipt"])
    document = serializers.CharField()
    debit = amount_field()
    credit = amount_field()
    balance = amount_field()


class StatementSerializer(Serializer):
    """API.md `customers/{id}/statement/`: balance = opening + Σ debit − Σ credit; positive is
    what the customer owes, negative an advance."""

    customer = serializers.IntegerField(source="customer.pk")
    # `from` is a Python keyword: the field is named in `get_fields`.
    to = serializers.DateField()
    opening_balance = amount_field()
    lines = StatementLineSerializer(many=True)
    closing_balance = amount_field()

    def get_fields(self):
        fields = super().get_fields()
        ordered = {"customer": fields.pop("customer"), "from": serializers.DateField()}
        return {**ordered, **fields}


# --- receipts (API.md "Cash", R16) ---------------------------------------------------------------
# Input is parsed here for its shape only; whether the customer and contracts are known and
# visible, and every R16 limit, is decided by finance.services.receipts, which names the field.

POSITIVE = Decimal("0.01")


class AllocationInputSerializer(Serializer):
    contract = serializers.IntegerField(min_value=1)
    amount = amount_field(min_value=POSITIVE)


BOOK_LATE_HELP = (
    "A late document: received in a closed month, book its entry on the first day of the first "
    "open month after that date (received_on is kept; booked_on shows the day). Without it a "
    "date in a closed month is 409 period_closed."
)


class ReceiptCreateSerializer(Serializer):
    customer = serializers.IntegerField(min_value=1)
    amount = amount_field(min_value=POSITIVE)
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    received_on = serializers.DateField()
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    bill_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    bill_bank = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    bill_maturity = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    allocations = AllocationInputSerializer(
        many=True,
        required=False,
        help_text="Omitted: allocated to the customer's receivables oldest due first; "
        "[]: all of it stays on account as an advance.",
    )
    book_in_open_period = serializers.BooleanField(
        required=False, default=False, help_text=BOOK_LATE_HELP
    )


class ReceiptAllocateSerializer(Serializer):
    allocations = AllocationInputSerializer(
        many=True,
        required=False,
        help_text="Omitted: what is unallocated goes to the receivables oldest due first.",
    )


class ReceiptReverseSerializer(Serializer):
    reason = serializers.CharField(max_length=200)


class AllocationSerializer(ModelSerializer):
    contract_number = serializers.CharField(source="contract.number", read_only=True)
    amount = amount_field(read_only=True)

    class Meta:
        model = Allocation
        fields = ["id", "contract", "contract_number", "amount", "allocated_on", "reversed"]
        read_only_fields = fields


class ReceiptSerializer(ModelSerializer):
    """A receipt with its allocations; `unallocated_amount` stays on account as an advance."""

    amount = amount_field(read_only=True)
    allocated_amount = amount_field(source="allocated", read_only=True)
    unallocated_amount = amount_field(source="unallocated", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "customer",
            "customer_name",
            "amount",
            "method",
            "received_on",
            "booked_on",
            "reference",
            "bill_number",
            "bill_bank",
            "bill_maturity",
            "note",
            "status",
            "allocated_amount",
            "unallocated_amount",
            "allocations",
            "reversal_reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


# --- invoices (R17) ------------------------------------------------------------------------------


def _contract_usable(user, pk) -> bool:
    """Known and visible to the caller (R23); whether it may be invoiced is the service's 409."""
    # Only its customer's owner is read (issue 14).
    owners = list(Contract.objects.filter(pk=pk).values_list("customer__owner_id", flat=True))
    return bool(owners) and sees_customer(user, owner_id=owners[0])


def _username(source):
    return serializers.CharField(source=f"{source}.username", read_only=True, allow_null=True)


class InvoiceSerializer(Serializer):
    """API.md `invoices/`: POST `{"contract","amount"?}` (default: gross − invoiced) → a draft;
    `submit/` → the VP of finance → `issued` with its `number`; `red/` → a red invoice
    (negative, `reverses`); `fapiao/` records the tax system's fapiao."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(
        read_only=True, allow_null=True, help_text="FP-YYYY-NNNNN, given at issue."
    )
    status = serializers.CharField(
        read_only=True,
        help_text="`draft`, `submitted` (in approval), `issued`, `reversed` or `cancelled`.",
    )
    contract = ReferenceField(
        source="contract_id",
        exists=_contract_usable,
        message=_("Unknown contract."),
        help_text="An active contract (R17: its invoice threshold collected).",
    )
    contract_number = serializers.CharField(
        source="contract.number", read_only=True, allow_null=True
    )
    customer = serializers.IntegerField(source="customer_id", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    reverses = serializers.IntegerField(
        source="reverses_id",
        read_only=True,
        allow_null=True,
        help_text="A red invoice: the invoice it reverses.",
    )
    amount = amount_field(
        required=False,
        allow_null=True,
        min_value=Decimal("0.01"),
        help_text="Gross; default: the contract's gross less what is invoiced. Negative on a "
        "red invoice.",
    )
    net_amount = amount_field(read_only=True)
    tax_amount = amount_field(
        read_only=True, help_text="amount × contract tax / contract gross, to the cent."
    )
    buyer_name = serializers.CharField(read_only=True)
    buyer_tax_id = serializers.CharField(read_only=True)
    buyer_address = serializers.CharField(read_only=True)
    buyer_phone = serializers.CharField(read_only=True)
    buyer_bank = serializers.CharField(
        required=False, allow_blank=True, max_length=100, label=_("buyer's bank")
    )
    buyer_account = serializers.CharField(
        required=False, allow_blank=True, max_length=40, label=_("buyer's bank account")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)
    created_by = _username("created_by")
    created_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    issued_on = serializers.DateField(read_only=True, allow_null=True)
    fapiao_number = serializers.CharField(read_only=True)
    fapiao_date = serializers.DateField(read_only=True, allow_null=True)
    approval = DocumentApprovalField()


class RedInvoiceSerializer(Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class FapiaoSerializer(Serializer):
    fapiao_number = serializers.CharField(
        max_length=20, label=_("fapiao number"), help_text="8 to 20 digits."
    )
    fapiao_date = serializers.DateField(label=_("fapiao date"))


# --- bank statements (issue 12 item 4) --------------------------------------------------------


class BankProposalSerializer(Serializer):
    """An open contract of the line's customer, oldest due first, with the part of the line's
    amount suggested for it."""

    contract = serializers.IntegerField(source="contract.pk")
    number = serializers.CharField(source="contract.number")
    remaining = amount_field(help_text="Gross − collected: the most an allocation may take.")
    first_due = serializers.DateField(allow_null=True)
    suggested = amount_field()


class BankStatementLineSerializer(ModelSerializer):
    """API.md `bank-statements/` line: `{"row","date","amount","payer","reference","customer",
    "status","errors"}`, with the receipt it became and the proposed contracts added."""

    amount = amount_field(read_only=True, allow_null=True)
    status = serializers.ChoiceField(
        source="shown_status",
        choices=BankStatementLineStatus.choices,
        read_only=True,
        help_text="`matched`, `unmatched`, `duplicate`, `invalid` or `imported`.",
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        help_text="By column (`date`, `amount`, `payer`, `reference`) for an invalid line.",
    )
    proposed = serializers.SerializerMethodField()

    class Meta:
        model = BankStatementLine
        fields = [
            "row",
            "date",
            "amount",
            "payer",
            "reference",
            "customer",
            "status",
            "errors",
            "receipt",
            "proposed",
        ]
        read_only_fields = fields

    @extend_schema_field(BankProposalSerializer(many=True))
    def get_proposed(self, line) -> list:
        proposals = self.context.get("proposals", {}).get(line.pk, [])
        return BankProposalSerializer(proposals, many=True).data


class BankStatementSerializer(ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    lines = serializers.SerializerMethodField()

    class Meta:
        model = BankStatement
        fields = ["id", "filename", "status", "uploaded_by", "uploaded_at", "lines"]
        read_only_fields = fields

    @extend_schema_field(BankStatementLineSerializer(many=True))
    def get_lines(self, statement) -> list:
        """The lines as `finance.selectors.bank_statement_get` read them, with the proposals
        the view put in the context (`bank_line_proposals`)."""
        return BankStatementLineSerializer(
            statement.lines.all(), many=True, context=self.context
        ).data


class BankStatementSummarySerializer(ModelSerializer):
    """A statement in the list: its lines counted by status."""

    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True)
    lines = serializers.IntegerField(source="lines_total", read_only=True)
    imported = serializers.IntegerField(source="lines_imported", read_only=True)
    matched = serializers.IntegerField(source="lines_matched", read_only=True)
    unmatched = serializers.IntegerField(source="lines_unmatched", read_only=True)
    duplicate = serializers.IntegerField(source="lines_duplicate", read_only=True)
    invalid = serializers.IntegerField(source="lines_invalid", read_only=True)

    class Meta:
        model = BankStatement
        fields = [
            "id",
            "filename",
            "status",
            "uploaded_by",
            "uploaded_at",
            "lines",
            "imported",
            "matched",
            "unmatched",
            "duplicate",
            "invalid",
        ]
        read_only_fields = fields


class BankStatementUploadSerializer(Serializer):
    file = serializers.FileField(
        help_text="The bank's export: XLSX, or CSV in UTF-8 or GBK, with a header row naming "
        "date, amount, payer and optionally reference (or 交易日期, 贷方金额, 对方户名, 流水号)."
    )


class BankConfirmLineSerializer(Serializer):
    row = serializers.IntegerField(min_value=1)
    customer = serializers.IntegerField(min_value=1)
    allocations = AllocationInputSerializer(
        many=True,
        required=False,
        help_text="Omitted or []: all of the line stays on the customer's account.",
    )
    book_in_open_period = serializers.BooleanField(
        required=False, default=False, help_text=BOOK_LATE_HELP
    )


class BankConfirmSerializer(Serializer):
    lines = BankConfirmLineSerializer(many=True)


class BankStatementConfirmedSerializer(BankStatementSerializer):
    """`confirm/`'s answer: the statement, and the receipts its lines became."""

    receipts = ReceiptSerializer(many=True, read_only=True)

    class Meta(BankStatementSerializer.Meta):
        fields = [*BankStatementSerializer.Meta.fields, "receipts"]
        read_only_fields = fields


# -- overdue interest (R18) ---------------------------------------------------------------------


class InterestPostingSerializer(ModelSerializer):
    """A month's interest posted on a contract (R18): the journal entry it posted."""

    customer = serializers.IntegerField(source="contract.customer_id", read_only=True)
    amount = amount_field(read_only=True)
    posted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = InterestPosting
        fields = [
            "id",
            "contract",
            "customer",
            "period",
            "amount",
            "entry",
            "posted_by",
            "posted_at",
        ]
        read_only_fields = fields


class InterestRunSerializer(Serializer):
    """`POST interest-postings/` {"period"}: post the month's interest of every contract."""

    period = serializers.CharField(max_length=7, help_text=_("A month that has ended, YYYY-MM."))


class InterestRunResultSerializer(Serializer):
    period = serializers.CharField()
    checked = serializers.IntegerField(help_text=_("Contracts with a due past its date."))
    posted = serializers.IntegerField(help_text=_("Contracts posted by this run."))
    amount = amount_field(help_text=_("Interest posted by this run."))
    already_posted = serializers.IntegerField(help_text=_("Contracts posted before this run."))


# -- litigation follow-up (R18) -----------------------------------------------------------------


class LitigationCaseSerializer(ModelSerializer):
    """A contract overdue more than 90 days, followed up (R18). PATCH: owner, notes, status."""

    contract_number = serializers.CharField(source="contract.number", read_only=True)
    customer = serializers.IntegerField(source="contract.customer_id", read_only=True)
    customer_name = serializers.CharField(source="contract.customer.name", read_only=True)
    owner = serializers.CharField(source="owner.username", required=False, max_length=150)
    amount = amount_field(read_only=True)
    days = serializers.SerializerMethodField(label=_("days overdue"))
    status = serializers.ChoiceField(choices=LitigationStatus.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    class Meta:
        model = LitigationCase
        fields = [
            "id",
            "contract",
            "contract_number",
            "customer",
            "customer_name",
            "owner",
            "amount",
            "oldest_due_on",
            "days",
            "notes",
            "status",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = ["id", "contract", "oldest_due_on", "opened_at", "closed_at"]

    def get_days(self, case) -> int:
        return case.days_overdue()


# -- aging (R18) --------------------------------------------------------------------------------

AgingBucketsSerializer = type(
    "AgingBucketsSerializer",
    (Serializer,),
    {name: amount_field(read_only=True) for name in BUCKETS},
)


class AgingCustomerSerializer(Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    code = serializers.CharField(source="customer.code")
    name = serializers.CharField(source="customer.name")
    buckets = AgingBucketsSerializer()
    total = amount_field()


class AgingReportSerializer(Serializer):
    """API.md `reports/aging/`: unpaid amounts by days past the due date (`current` = not yet
    due), in total and per customer."""

    as_of = serializers.DateField()
    buckets = AgingBucketsSerializer()
    total = amount_field()
    customers = AgingCustomerSerializer(many=True)


# -- month end (R20) ------------------------------------------------------------------------------


class DifferenceSerializer(ModelSerializer):
    """A figure of a contract that disagrees with its source of truth."""

    contract_number = serializers.CharField(source="contract.number", read_only=True)
    customer = serializers.IntegerField(source="contract.customer_id", read_only=True)
    ledger = amount_field(source="ledger_value", read_only=True)
    source_value = amount_field(read_only=True)
    difference = amount_field(read_only=True)

    class Meta:
        model = Difference
        fields = [
            "contract",
            "contract_number",
            "customer",
            "figure",
            "source",
            "ledger",
            "source_value",
            "difference",
        ]
        read_only_fields = fields


class ReconciliationSerializer(ModelSerializer):
    """A month's run: its progress while `running`, then its differences and the co-sign of
    the sales manager and finance (`approval`); `confirmed` once both confirmed (R20, R21)."""

    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    differences = serializers.SerializerMethodField()
    approval = DocumentApprovalField()

    class Meta:
        model = Reconciliation
        fields = [
            "id",
            "period",
            "status",
            "step",
            "done",
            "total",
            "runs",
            "started_by",
            "started_at",
            "finished_at",
            "journal_entries",
            "difference_count",
            "summary",
            "error",
            "differences",
            "approval",
        ]
        read_only_fields = fields

    @extend_schema_field(DifferenceSerializer(many=True))
    def get_differences(self, reconciliation):
        if self.context.get("brief"):
            return []
        rows = reconciliation.differences.select_related("contract")
        return DifferenceSerializer(rows, many=True).data


class ReconciliationStartSerializer(Serializer):
    period = serializers.CharField(help_text="YYYY-MM, up to the current month")


class PeriodReopenSerializer(Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=200)


class PeriodSerializer(Serializer):
    """A month and where it stands in its close (R20)."""

    period = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["open", "running", "computed", "returned", "failed", "confirmed", "closed"]
    )
    reconciliation = serializers.IntegerField(source="reconciliation.pk", allow_null=True)
    difference_count = serializers.IntegerField()
    closed_at = serializers.DateTimeField(source="closed.closed_at", allow_null=True)


# --- commission slips (R19) ----------------------------------------------------------------------


class CommissionLineSerializer(Serializer):
    contract = serializers.IntegerField(source="contract_id")
    contract_number = serializers.CharField()
    collected = amount_field(help_text="Collected on the contract in the month (journal, R19).")
    rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    amount = amount_field(help_text="collected × rate, to the cent.")
    interest = amount_field(help_text="Interest accrued on the contract in the month (R18).")


class CommissionFiguresSerializer(Serializer):
    """R19's figures of a salesperson (or the department) and a month."""

    period = serializers.CharField()
    lines = CommissionLineSerializer(many=True)
    collected = amount_field()
    gross = amount_field(help_text="Σ line amounts.")
    offset = amount_field(help_text="Σ interest accrued in the month.")
    carried_in = amount_field(help_text="The previous month's deficit.")
    total = amount_field(help_text="max(0, gross − offset − carried_in).")
    carried_out = amount_field(help_text="The deficit carried to the next month (≥ 0).")


class CommissionLiveSerializer(CommissionFiguresSerializer):
    salesperson = serializers.CharField()


class CommissionSlipSerializer(Serializer):
    """API.md `commission-slips/`: POST `{"salesperson","period"}` → a draft computed from the
    journal (R19); a draft's figures are live on every read, frozen at `submit/`."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(
        read_only=True, allow_null=True, help_text="TC-YYYY-NNNNN, given at the first submit."
    )
    salesperson = serializers.CharField(
        source="salesperson.username", help_text="Username; a clerk: themselves (R23)."
    )
    period = serializers.CharField(max_length=7, help_text="YYYY-MM, not after this month.")
    status = serializers.CharField(
        read_only=True,
        help_text="`draft`, `submitted` (in approval), `approved`, `paid` or `cancelled`.",
    )
    lines = CommissionLineSerializer(many=True, read_only=True, source="figures.lines")
    collected = amount_field(read_only=True, source="figures.collected")
    gross = amount_field(read_only=True, source="figures.gross")
    offset = amount_field(read_only=True, source="figures.offset")
    carried_in = amount_field(read_only=True, source="figures.carried_in")
    total = amount_field(read_only=True, source="figures.total")
    carried_out = amount_field(read_only=True, source="figures.carried_out")
    created_by = _username("created_by")
    created_at = serializers.DateTimeField(read_only=True)
    submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    approved_on = serializers.DateField(read_only=True, allow_null=True)
    paid_on = serializers.DateField(read_only=True, allow_null=True)
    approval = DocumentApprovalField()


class CommissionPaySerializer(Serializer):
    paid_on = serializers.DateField(required=False, help_text="Default today.")


class CommissionSlipCreateSerializer(Serializer):
    """`POST commission-slips/`: the body, exactly (issue 16)."""

    salesperson = serializers.CharField(
        max_length=150,
        help_text="Username; a clerk: themselves (R23).",
        error_messages={"blank": _("This field is required.")},
    )
    period = serializers.CharField(max_length=7, help_text="YYYY-MM, not after this month.")


class CommissionPrepareSerializer(Serializer):
    period = serializers.CharField(max_length=7, help_text="YYYY-MM")


class CommissionPrepareResultSerializer(Serializer):
    period = serializers.CharField()
    created = serializers.IntegerField()
    recomputed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    frozen = serializers.IntegerField()


class CommissionDepartmentRowSerializer(Serializer):
    period = serializers.CharField()
    collected = amount_field()
    gross = amount_field()
    offset = amount_field()
    carried_in = amount_field()
    total = amount_field()
    carried_out = amount_field()
    cumulative = amount_field(help_text="Σ totals of the year up to this month.")


class CommissionDepartmentSerializer(Serializer):
    """部门提成: the sales department's accrual per month of the year, and year to date."""

    period = serializers.CharField()
    rows = CommissionDepartmentRowSerializer(many=True)
    year_to_date = amount_field()
