"""The books the query budgets are measured on (issue 14 item 6): `seed(n)` makes n of every
document kind through the real services — customers, orders with lines (approved, and pending
the GM), contracts with their ledgers, production notices, goods receipts, shipping notices
delivered and signed, service dispatches, receipts with allocations, invoices issued, credit
changes and commission slips pending, quotations (approved, and drafts for leads), delegations,
price lists, products, warehouses, bank statements, month-end runs with their interest
postings, litigation cases — so that a page's query count can be compared at two sizes."""

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals.services.delegations import delegation_create
from contracts.services import contract_draft
from core.periods import period_of
from finance.models import InterestPosting, JournalEntry, LitigationCase, Reconciliation
from finance.services import (
    commission_slip_create,
    commission_slip_submit,
    invoice_create,
    invoice_submit,
    month_end_execute,
    month_end_start,
)
from finance.services.bank import bank_statement_upload
from finance.services.litigation import litigations_flag
from inventory import services as inventory
from sales.services.credit import credit_change_submit
from sales.services.lead_imports import lead_import_preview
from sales.services.leads import lead_contact_log, lead_create
from sales.services.orders import order_create, order_submit
from sales.services.price_lists import price_list_create
from sales.services.quotations import quotation_create, quotation_submit
from tests.contracts.conftest import make_order
from tests.factories import (
    CustomerFactory,
    ProductFactory,
    UserFactory,
    WarehouseFactory,
    active_price_list,
    credit_change,
)
from tests.finance.conftest import collect, deliver
from tests.inventory.conftest import activate, approve, released_notice, shipped_notice

ROLES = (
    "sales_clerk",
    "sales_manager",
    "sales_head",
    "general_manager",
    "sales_vp",
    "planner",
    "production",
    "qc",
    "warehouse",
    "security",
    "finance",
    "finance_vp",
    "credit_controller",
    "marketing_director",
)


@dataclass
class Books:
    users: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)  # kind -> list of ids (or keys), oldest first

    def add(self, kind, value):
        self.objects.setdefault(kind, []).append(value)

    def last(self, kind):
        return self.objects[kind][-1]


def _months_back(n: int) -> list[str]:
    """The n months up to last month, oldest first ('YYYY-MM')."""
    day = timezone.localdate().replace(day=1)
    months = []
    for _ in range(n):
        day = (day - datetime.timedelta(days=1)).replace(day=1)
        months.append(period_of(day))
    return months[::-1]


def _statement_file(rows) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    for row in [["date", "amount", "payer", "reference"], *rows]:
        writer.writerow(row)
    return SimpleUploadedFile("statement.csv", text.getvalue().encode())


def seed(n: int) -> Books:
    books = Books()
    u = books.users
    for role in ROLES:
        u[role] = UserFactory(username=f"budget.{role}", roles=(role,))
    u["superuser"] = UserFactory(username="budget.root", is_superuser=True, is_staff=True)
    clerk, manager, gm = u["sales_clerk"], u["sales_manager"], u["general_manager"]
    head, finance, vp = u["sales_head"], u["finance"], u["finance_vp"]
    today = timezone.localdate()

    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    price_list = active_price_list(
        items=[(lathe, "168000.00", "150000.00"), (service, "5000.00", "4000.00")],
        commission_rate="0.0250",
    )
    books.add("price_list", price_list.pk)
    catalogue = {"lathe": lathe, "service": service}
    products = []
    for i in range(n):
        products.append(ProductFactory())
        books.add("product", products[-1].pk)
        books.add("warehouse", WarehouseFactory().pk)
        draft = price_list_create(  # the i-th draft lists i + 1 products
            actor=manager,
            name=f"草稿价格表{i}",
            valid_from=today.replace(month=1, day=1),
            valid_to=None,
            commission_rate=Decimal("0.0200"),
            items=[
                {"product": p, "list_price": Decimal("1.00"), "floor_price": Decimal("1")}
                for p in products
            ],
        )
        books.add("price_list", draft.pk)
    warehouse = WarehouseFactory(code="WH-B", name="成品库")
    books.add("warehouse", warehouse.pk)

    chain = {
        "warehouse": warehouse,
        "clerk": clerk,
        "manager": manager,
        "keeper": u["warehouse"],
        "guard": u["security"],
    }
    for i in range(n):
        customer = CustomerFactory(
            owner=clerk, credit_limit=Decimal("100000000.00"), credit_days=45
        )
        books.add("customer", customer.pk)
        order = make_order(
            clerk=clerk, customer=customer, catalogue=catalogue, manager=manager, gm=gm
        )
        books.add("order", order.pk)
        contract = activate(clerk=clerk, order=order, head=head, finance=finance)
        books.add("contract", contract.pk)
        lathe_line = contract.lines.get(product=lathe)

        production = released_notice(
            planner=u["planner"], salesvp=u["sales_vp"], contract=contract, line=lathe_line
        )
        books.add("production_notice", production.pk)
        receipt = inventory.goods_receipt_record(
            actor=u["production"],
            data={
                "product": lathe.pk,
                "warehouse": books.objects["warehouse"][i],  # stock in n warehouses
                "quantity": "1",
                "qc_certificate_no": f"QC-{i}",
            },
        )
        inventory.goods_receipt_confirm(actor=u["qc"], receipt_id=receipt.pk)
        books.add("goods_receipt", receipt.pk)

        # Waiting for the GM in the inbox: an order and a credit change (R7, R2).
        pending = order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=[{"product": lathe.pk, "quantity": "1", "unit_price": "160000.00"}],
        )
        order_submit(actor=clerk, order_id=pending.pk)
        approve(pending, manager)
        books.add("order", pending.pk)
        books.add("approval", pending.approval_request.pk)
        change = credit_change(customer=customer, author=manager)
        credit_change_submit(actor=manager, change_id=change.pk)
        books.add("credit_change", change.pk)

        # Two lathes delivered 140 days ago (due after 45 days: overdue > 90 days, R18).
        notice = deliver(line=lathe_line, quantity="2", days_ago=140, contract=contract, **chain)
        books.add("shipping_notice", notice.pk)
        money = collect(finance, contract, "230000.00", today)  # ≥ 60 %: invoiceable (R17)
        books.add("receipt", money.pk)

        dispatch = inventory.service_dispatch_create(
            actor=clerk,
            data={"contract": contract.pk, "scheduled_on": "2030-01-31", "description": "安装"},
        )
        inventory.service_dispatch_submit(actor=clerk, dispatch_id=dispatch.pk)
        approve(dispatch, manager)
        books.add("service_dispatch", dispatch.pk)

        invoice = invoice_create(actor=finance, contract_id=contract.pk, amount="100000.00")
        invoice_submit(actor=finance, invoice_id=invoice.pk)
        approve(invoice, vp)
        books.add("invoice", invoice.pk)

        delegation = delegation_create(
            actor=gm,
            delegate=manager,
            role="general_manager",
            valid_from=today + datetime.timedelta(days=30 * (i + 1)),
            valid_to=today + datetime.timedelta(days=30 * (i + 1) + 10),
        )
        books.add("delegation", delegation.pk)

        statement = bank_statement_upload(
            actor=finance,
            upload=_statement_file(
                [[today.isoformat(), "1000.00", customer.name, f"REF-{i}-{j}"] for j in range(n)]
            ),
        )
        books.add("bank_statement", statement.pk)

        # Leads (R26): the i-th has i + 1 contacts; every other one overdue.
        now = timezone.now()
        lead = lead_create(
            actor=clerk,
            now=now - datetime.timedelta(days=2 * (i % 2)),
            company=f"潜在客户{i}有限公司",
            contact_name="周经理",
            grade="A",
        )
        for j in range(i + 1):
            lead_contact_log(
                actor=clerk,
                lead_id=lead.pk,
                contacted_at=now - datetime.timedelta(days=3, hours=j),
                channel="phone",
                note=f"第{j}次",
            )
        books.add("lead", lead.pk)
        # A sheet of leads (issue 15 item 7): i + 2 rows, one repeating the lead above.
        lead_sheet = "公司,联系人,等级\n" + "".join(
            f"展会客户{i}-{j},王经理,B\n" for j in range(i + 1)
        )
        lead_import = lead_import_preview(
            actor=clerk,
            upload=SimpleUploadedFile(
                "leads.csv", (lead_sheet + f"潜在客户{i},周经理,A\n").encode()
            ),
        )
        books.add("lead_import", lead_import.pk)

        # Quotations (R27): one for the customer, approved by the head of sales, and a draft
        # for the lead.
        valid_until = today + datetime.timedelta(days=30)
        quoted = quotation_create(
            actor=clerk,
            customer=customer.pk,
            valid_until=valid_until,
            lines=[{"product": lathe.pk, "quantity": "1", "unit_price": "160000.00"}],
        )
        quotation_submit(actor=clerk, quotation_id=quoted.pk)
        approve(quoted, head)
        books.add("quotation", quoted.pk)
        quotation_create(
            actor=clerk,
            lead=lead.pk,
            valid_until=valid_until,
            lines=[{"product": service.pk, "quantity": "1", "unit_price": "5000.00"}],
        )

    for index, period in enumerate(_months_back(n)):
        slip = commission_slip_create(actor=finance, salesperson=clerk, period=period)
        if index % 2:  # half of them submitted: their figures frozen (R19)
            commission_slip_submit(actor=finance, slip_id=slip.pk)
        books.add("commission_slip", slip.pk)

    for period in _months_back(n):
        started = month_end_start(actor=finance, period=period, send=False)
        month_end_execute(reconciliation_id=started.pk, token=started.run_token)
        books.add("period", period)
        books.add("reconciliation", Reconciliation.objects.get(pk=started.pk).pk)

    litigations_flag(as_of=today)
    _singles(books, catalogue=catalogue, chain=chain)
    return books


def _singles(books: Books, *, catalogue, chain) -> None:
    """One document in each state an edit form needs (drafts), and ids of what the services
    made on their own (journal entries, interest postings, litigation cases)."""
    u = books.users
    clerk = u["sales_clerk"]
    # A customer with nothing overdue, so that a notice can still be approved (R12).
    customer = CustomerFactory(owner=clerk, credit_limit=Decimal("100000000.00"))
    people = {"clerk": clerk, "manager": u["sales_manager"], "gm": u["general_manager"]}
    signers = {"head": u["sales_head"], "finance": u["finance"]}

    def approved():
        return make_order(customer=customer, catalogue=catalogue, **people)

    contract = activate(clerk=clerk, order=approved(), **signers)
    lathe_line = contract.lines.get(product=catalogue["lathe"])
    service_line = contract.lines.get(product=catalogue["service"])
    draft = order_create(
        actor=clerk,
        customer_id=customer.pk,
        lines=[{"product": catalogue["lathe"].pk, "quantity": "1", "unit_price": "160000.00"}],
    )
    books.add("draft_order", draft.pk)
    quotation = quotation_create(
        actor=clerk,
        customer=customer.pk,
        valid_until=timezone.localdate() + datetime.timedelta(days=30),
        lines=[{"product": catalogue["lathe"].pk, "quantity": "1", "unit_price": "160000.00"}],
    )
    books.add("draft_quotation", quotation.pk)
    books.add(
        "draft_credit_change",
        credit_change(customer=customer, author=u["sales_manager"]).pk,
    )
    books.add("draft_contract", contract_draft(actor=clerk, order_id=approved().pk).pk)
    books.add("approved_order", approved().pk)
    notice = inventory.production_notice_create(
        actor=u["planner"],
        data={
            "contract": contract.pk,
            "due_date": "2030-01-31",
            "lines": [{"contract_line": lathe_line.pk, "quantity": "1"}],
        },
    )
    books.add("draft_production_notice", notice.pk)
    exited = shipped_notice(line=lathe_line, quantity="1", contract=contract, **chain)
    books.add("exited_shipping_notice", exited.pk)
    books.add("gate_pass", exited.gate_pass_no)
    shipping = inventory.shipping_notice_create(
        actor=clerk,
        data={
            "contract": contract.pk,
            "warehouse": chain["warehouse"].pk,
            "lines": [{"contract_line": service_line.pk, "quantity": "0.5"}],
        },
    )
    books.add("draft_shipping_notice", shipping.pk)
    dispatch = inventory.service_dispatch_create(
        actor=clerk,
        data={"contract": contract.pk, "scheduled_on": "2030-01-31", "description": "调试"},
    )
    books.add("draft_service_dispatch", dispatch.pk)
    books.add("journal_entry", JournalEntry.objects.latest("pk").pk)
    books.add("interest_posting", InterestPosting.objects.latest("pk").pk)
    books.add("litigation_case", LitigationCase.objects.latest("pk").pk)
