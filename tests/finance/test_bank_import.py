"""Bank statement import (issue 12 item 4): finance uploads the bank's export (CSV in UTF-8 or
GBK, or XLSX; English or Chinese headers), each line is matched to a customer by the payer's
name or a remembered mapping with the customer's open contracts proposed, bad rows are reported
by row and column, a line already imported is a duplicate; confirming turns the chosen lines
into receipts with finance's allocations, all or nothing. Files are built here with openpyxl
and csv."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contracts.models import ContractLedger
from core.errors import InvalidInput, PermissionRefused, RuleViolation
from core.models import ClosedPeriod
from finance.models import (
    BankStatement,
    BankStatementLine,
    JournalEntry,
    PayerMapping,
    Receipt,
)
from finance.selectors import bank_line_proposals, bank_statement_get
from finance.services import bank_statement_confirm, bank_statement_upload
from tests.factories import CustomerFactory
from tests.finance.conftest import deliver

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
CN_HEADER = ["交易日期", "贷方金额", "对方户名", "流水号"]
EN_HEADER = ["date", "amount", "payer", "reference"]


def _day(days_ago=1) -> datetime.date:
    return TODAY() - datetime.timedelta(days=days_ago)


def xlsx_file(
    rows, *, name="statement.xlsx", header=CN_HEADER, title_rows=()
) -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [*title_rows, header, *rows]:
        sheet.append(list(row))
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile(name, data.getvalue())


def csv_file(
    rows, *, name="statement.csv", header=EN_HEADER, encoding="utf-8"
) -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    for row in [header, *rows]:
        writer.writerow(row)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding))


def upload(actor, file) -> BankStatement:
    return bank_statement_upload(actor=actor, upload=file)


def lines_of(statement) -> dict[int, BankStatementLine]:
    return {line.row: line for line in statement.lines.all()}


# -- reading and matching ----------------------------------------------------------------------


def test_an_xlsx_statement_with_chinese_headers_is_read_below_the_banks_title_rows(
    finance,
    customer,
):
    file = xlsx_file(
        [
            [_day(3), 50000, customer.name, "B2026001"],
            [_day(2).strftime("%Y/%m/%d"), "12,345.60", "不认识的公司", 20260305001],
            [None, None, None, None],  # an empty row is no line
            [_day(1).strftime("%Y年%m月%d日"), "¥800.00", f"  {customer.name} ", "B2026003"],
        ],
        title_rows=[["中国工商银行 账户明细"], ["账号", "1202 0000 1234"]],
    )

    statement = upload(finance, file)

    lines = lines_of(statement)
    assert sorted(lines) == [4, 5, 7]  # rows as the spreadsheet numbers them
    first = lines[4]
    assert (first.date, first.amount, first.payer, first.reference) == (
        _day(3),
        Decimal("50000.00"),
        customer.name,
        "B2026001",
    )
    assert (first.status, first.customer_id) == ("matched", customer.pk)
    assert (lines[5].status, lines[5].customer_id, lines[5].reference) == (
        "unmatched",
        None,
        "20260305001",
    )
    assert lines[5].amount == Decimal("12345.60")
    assert (lines[7].status, lines[7].customer_id, lines[7].date) == (
        "matched",
        customer.pk,
        _day(1),
    )
    assert statement.status == "open" and statement.uploaded_by == finance
    assert statement.filename == "statement.xlsx"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_csv_in_utf8_with_or_without_bom_or_gbk_is_read(finance, customer, encoding):
    file = csv_file(
        [[_day(2).isoformat(), "1000.00", customer.name, "流水-001"]],
        header=["日期", "金额", "付款人", "摘要"],
        encoding=encoding,
    )

    line = upload(finance, file).lines.get()

    assert (line.date, line.amount, line.payer, line.reference, line.status) == (
        _day(2),
        Decimal("1000.00"),
        customer.name,
        "流水-001",
        "matched",
    )


def test_a_payer_matches_a_customer_by_normalised_name_and_several_of_a_name_match_none(
    finance,
):
    spaced = CustomerFactory(name="上海华东机械(集团)有限公司")
    CustomerFactory(name="重名贸易有限公司")
    CustomerFactory(name="重名贸易有限公司")
    file = csv_file(
        [
            [_day(1).isoformat(), "10.00", "上海 华东机械（集团）有限公司", "R1"],
            [_day(1).isoformat(), "20.00", "重名贸易有限公司", "R2"],
        ]
    )

    lines = lines_of(upload(finance, file))

    assert (lines[2].status, lines[2].customer_id) == ("matched", spaced.pk)
    assert (lines[3].status, lines[3].customer_id) == ("unmatched", None)


def test_a_remembered_payer_matches_its_customer_before_any_name(finance, customer):
    PayerMapping.objects.create(payer="母公司控股有限公司", customer=customer, updated_by=finance)

    line = upload(
        finance, csv_file([[_day(1).isoformat(), "10.00", "母公司 控股有限公司", "R1"]])
    ).lines.get()

    assert (line.status, line.customer_id) == ("matched", customer.pk)


def test_the_same_line_twice_in_one_file_is_a_duplicate_the_second_time(finance, customer):
    row = [_day(1).isoformat(), "10.00", customer.name, "R1"]
    other_day = [_day(2).isoformat(), "10.00", customer.name, "R1"]

    lines = lines_of(upload(finance, csv_file([row, row, other_day])))

    assert [lines[n].status for n in (2, 3, 4)] == ["matched", "duplicate", "matched"]


# -- bad rows ------------------------------------------------------------------------------------


@pytest.mark.rule("R25")
def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_written_for_them(
    finance,
    customer,
):
    day = _day(1).isoformat()
    file = csv_file(
        [
            ["2026-13-45", "10.00", customer.name, "A"],
            [(TODAY() + datetime.timedelta(days=1)).isoformat(), "10.00", customer.name, "B"],
            [day, "0", customer.name, "C"],
            [day, "-5.00", customer.name, "D"],
            [day, "abc", customer.name, "E"],
            [day, "1.234", customer.name, "F"],
            [day, "10.00", "", "G"],
            [day, "10.00", "名" * 201, "H"],
            [day, "10.00", customer.name, "R" * 61],
            ["", "", customer.name, "J"],
            [day, "10.00", customer.name, "OK"],
        ]
    )

    lines = lines_of(upload(finance, file))

    errors = {row: sorted(line.errors) for row, line in lines.items() if line.status == "invalid"}
    assert errors == {
        2: ["date"],
        3: ["date"],
        4: ["amount"],
        5: ["amount"],
        6: ["amount"],
        7: ["amount"],
        8: ["payer"],
        9: ["payer"],
        10: ["reference"],
        11: ["amount", "date"],
    }
    assert lines[12].status == "matched"
    assert all(line.customer_id is None for row, line in lines.items() if row in errors)
    assert "201" in lines[9].errors["payer"][0]  # how long it is, against the 200 allowed
    assert lines[6].amount is None and lines[2].date is None


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.csv", b""),
        ("blank.csv", b"  \r\n"),
        ("scan.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\x00\x01\x02"),
        ("picture.xlsx", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64),
        ("archive.xlsx", b"PK\x03\x04" + b"\x00" * 64),
        ("letter.csv", "尊敬的客户：\n您好，附件是本月账单。\n".encode()),
        ("header-only.csv", b"date,amount,payer,reference\r\n"),
    ],
)
def test_a_file_that_is_not_a_statement_is_refused_naming_file_and_nothing_is_written(
    finance,
    name,
    content,
):
    with pytest.raises(InvalidInput) as refused:
        upload(finance, SimpleUploadedFile(name, content))

    assert list(refused.value.errors) == ["file"]
    assert not BankStatement.objects.exists()


def test_only_finance_uploads_a_statement(make_user, customer):
    clerk = make_user("sales_clerk", "finance_vp")

    with pytest.raises(PermissionRefused):
        upload(clerk, csv_file([[_day(1).isoformat(), "10.00", customer.name, "R1"]]))

    assert not BankStatement.objects.exists()


# -- the API ------------------------------------------------------------------------------------


def test_the_api_uploads_a_statement_and_answers_its_lines(api, finance, customer):
    client = api.as_user(finance)
    file = xlsx_file(
        [[_day(2), 1000, customer.name, "X1"], [_day(2), "x", customer.name, "X2"]],
        header=EN_HEADER,
    )

    response = client.post("/api/v1/bank-statements/", {"file": file}, format="multipart")

    assert response.status_code == 201, response.content
    body = response.json()
    assert [
        {k: line[k] for k in ("row", "date", "amount", "payer", "reference", "customer", "status")}
        for line in body["lines"]
    ] == [
        {
            "row": 2,
            "date": _day(2).isoformat(),
            "amount": "1000.00",
            "payer": customer.name,
            "reference": "X1",
            "customer": customer.pk,
            "status": "matched",
        },
        {
            "row": 3,
            "date": _day(2).isoformat(),
            "amount": None,
            "payer": customer.name,
            "reference": "X2",
            "customer": None,
            "status": "invalid",
        },
    ]
    assert body["lines"][0]["errors"] == {}
    assert list(body["lines"][1]["errors"]) == ["amount"]
    listed = client.get("/api/v1/bank-statements/").json()
    assert listed["count"] == 1
    assert listed["results"][0]["matched"] == 1 and listed["results"][0]["invalid"] == 1
    detail = client.get(f"/api/v1/bank-statements/{body['id']}/").json()
    assert detail["lines"] == body["lines"]


def test_an_upload_retried_with_its_idempotency_key_reads_the_file_once(api, finance, customer):
    client = api.as_user(finance)

    answers = [
        client.post(
            "/api/v1/bank-statements/",
            {"file": csv_file([[_day(1).isoformat(), "10.00", customer.name, "R1"]])},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="bank-upload-1",
        )
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert BankStatement.objects.count() == 1


@pytest.mark.rule("R25")
def test_the_api_refuses_a_missing_empty_or_foreign_file_naming_file(api, finance):
    client = api.as_user(finance)

    for data in (
        {},
        {"file": SimpleUploadedFile("empty.csv", b"")},
        {"file": SimpleUploadedFile("x.csv", b"\x00\x01binary\x02")},
    ):
        response = client.post("/api/v1/bank-statements/", data, format="multipart")
        assert response.status_code == 400, response.content
        assert response.json()["code"] == "invalid"
        assert list(response.json()["errors"]) == ["file"]
    assert not BankStatement.objects.exists()


def test_the_api_lets_only_finance_upload_and_its_readers_read(api, make_user, finance, customer):
    statement = upload(finance, csv_file([[_day(1).isoformat(), "10.00", customer.name, "R"]]))
    clerk = api.as_user(make_user("sales_clerk"))
    file = csv_file([[_day(1).isoformat(), "10.00", customer.name, "R"]])

    assert (
        clerk.post("/api/v1/bank-statements/", {"file": file}, format="multipart").status_code
        == 403
    )
    assert clerk.get("/api/v1/bank-statements/").status_code == 403
    assert clerk.get(f"/api/v1/bank-statements/{statement.pk}/").status_code == 403
    vp = api.as_user(make_user("finance_vp"))
    assert vp.get(f"/api/v1/bank-statements/{statement.pk}/").status_code == 200
    assert vp.get("/api/v1/bank-statements/999999/").status_code == 404


# -- confirm: receipts -----------------------------------------------------------------------


def confirm(actor, statement, *lines):
    return bank_statement_confirm(actor=actor, statement_id=statement.pk, lines=list(lines))


def one_line(actor, payer, amount="1000.00", reference="B1", days_ago=1) -> BankStatement:
    return upload(actor, csv_file([[_day(days_ago).isoformat(), amount, payer, reference]]))


def nothing_written(statement) -> bool:
    return (
        not Receipt.objects.exists()
        and not JournalEntry.objects.filter(source_type__in=["receipt", "allocation"]).exists()
        and not statement.lines.filter(status="imported").exists()
        and not PayerMapping.objects.exists()
    )


@pytest.mark.rule("R16")
def test_confirmed_lines_become_receipts_with_the_allocations_finance_chose(
    finance, customer, contract
):
    statement = upload(
        finance,
        csv_file(
            [
                [_day(3).isoformat(), "1000.00", customer.name, "B1"],
                [_day(2).isoformat(), "500.00", "母公司控股有限公司", "B2"],
            ]
        ),
    )

    saved, receipts = confirm(
        finance,
        statement,
        {
            "row": 2,
            "customer": customer.pk,
            "allocations": [{"contract": contract.pk, "amount": "600.00"}],
        },
        {"row": 3, "customer": customer.pk, "allocations": []},
    )

    first, second = receipts
    assert (first.method, first.received_on, first.reference, first.amount) == (
        "bank_transfer",
        _day(3),
        "B1",
        Decimal("1000.00"),
    )
    assert first.allocated == Decimal("600.00")
    assert list(first.allocations.values_list("contract", "amount")) == [
        (contract.pk, Decimal("600.00"))
    ]
    assert (second.received_on, second.reference, second.allocated) == (_day(2), "B2", 0)
    assert second.unallocated == Decimal("500.00")  # on account, an advance
    assert ContractLedger.objects.get(contract=contract).collected == Decimal("600.00")
    lines = lines_of(saved)
    assert [(lines[r].status, lines[r].receipt_id, lines[r].customer_id) for r in (2, 3)] == [
        ("imported", first.pk, customer.pk),
        ("imported", second.pk, customer.pk),
    ]
    assert saved.status == "done"
    assert "母公司控股有限公司" in second.note


@pytest.mark.rule("R16")
def test_a_confirmed_payer_is_remembered_for_the_next_statement(finance, customer):
    statement = one_line(finance, "母公司 控股有限公司")
    assert statement.lines.get().status == "unmatched"

    confirm(finance, statement, {"row": 2, "customer": customer.pk})

    assert PayerMapping.objects.get().customer == customer
    later = one_line(finance, "母公司控股有限公司", reference="B9")
    assert (later.lines.get().status, later.lines.get().customer_id) == ("matched", customer.pk)


@pytest.mark.rule("R16")
def test_a_line_imported_once_is_a_duplicate_in_any_later_statement_and_never_imported_again(
    finance, customer
):
    before = one_line(finance, customer.name)  # uploaded twice before either is confirmed
    first = one_line(finance, customer.name)
    confirm(finance, first, {"row": 2, "customer": customer.pk})

    again = one_line(finance, customer.name)

    assert again.lines.get().status == "duplicate"
    shown = bank_statement_get(user=finance, statement_id=before.pk).lines.all()[0]
    assert shown.shown_status == "duplicate"  # imported meanwhile from another statement
    for statement in (again, before):
        with pytest.raises(RuleViolation) as refused:
            confirm(finance, statement, {"row": 2, "customer": customer.pk})
        assert refused.value.code == "duplicate_line"
        assert list(refused.value.errors) == ["lines.0.row"]
    assert Receipt.objects.count() == 1


@pytest.mark.rule("R16")
def test_a_line_confirmed_again_is_refused_and_its_receipt_stays_one(finance, customer):
    statement = one_line(finance, customer.name)
    confirm(finance, statement, {"row": 2, "customer": customer.pk})

    with pytest.raises(RuleViolation) as refused:
        confirm(finance, statement, {"row": 2, "customer": customer.pk})

    assert refused.value.code == "invalid_transition"
    assert list(refused.value.errors) == ["lines.0.row"]
    assert Receipt.objects.count() == 1


@pytest.mark.rule("R16")
def test_over_collection_on_one_line_refuses_the_whole_confirm_naming_the_line(
    finance, customer, contract
):
    statement = upload(
        finance,
        csv_file(
            [
                [_day(2).isoformat(), "1000.00", customer.name, "B1"],
                [_day(1).isoformat(), "368490.01", customer.name, "B2"],
            ]
        ),
    )

    with pytest.raises(RuleViolation) as refused:
        confirm(
            finance,
            statement,
            {"row": 2, "customer": customer.pk},
            {
                "row": 3,
                "customer": customer.pk,
                "allocations": [{"contract": contract.pk, "amount": "368490.01"}],
            },
        )

    assert refused.value.code == "over_collection"
    assert list(refused.value.errors) == ["lines.1.allocations.0.amount"]
    assert "3" in refused.value.detail  # the row
    assert nothing_written(statement)
    assert ContractLedger.objects.get(contract=contract).collected == 0


@pytest.mark.rule("R16")
def test_allocations_beyond_the_line_are_over_allocation_naming_the_line(
    finance, customer, contract
):
    statement = one_line(finance, customer.name, amount="100.00")

    with pytest.raises(RuleViolation) as refused:
        confirm(
            finance,
            statement,
            {
                "row": 2,
                "customer": customer.pk,
                "allocations": [{"contract": contract.pk, "amount": "100.01"}],
            },
        )

    assert refused.value.code == "over_allocation"
    assert list(refused.value.errors) == ["lines.0.allocations"]
    assert nothing_written(statement)


@pytest.mark.rule("R16", "R20")
def test_a_line_dated_in_a_closed_month_is_period_closed_naming_the_line(finance, customer):
    last_month = TODAY().replace(day=1) - datetime.timedelta(days=1)
    statement = upload(finance, csv_file([[last_month.isoformat(), "10.00", customer.name, "OLD"]]))
    ClosedPeriod.objects.create(period=last_month.strftime("%Y-%m"))

    with pytest.raises(RuleViolation) as refused:
        confirm(finance, statement, {"row": 2, "customer": customer.pk})

    assert refused.value.code == "period_closed"
    assert list(refused.value.errors) == ["lines.0.received_on"]
    assert nothing_written(statement)


@pytest.mark.rule("R25")
def test_bad_confirm_input_names_the_line_and_field_and_writes_nothing(
    finance, customer, contract, make_user
):
    other = CustomerFactory()
    statement = upload(
        finance,
        csv_file(
            [
                [_day(1).isoformat(), "10.00", customer.name, "OK"],
                [_day(1).isoformat(), "abc", customer.name, "BAD"],
            ]
        ),
    )
    other_contract = {"contract": contract.pk, "amount": "1.00"}
    cases = [
        ([{"row": 99, "customer": customer.pk}], "lines.0.row"),
        ([{"row": 3, "customer": customer.pk}], "lines.0.row"),  # the invalid line
        ([{"row": 2, "customer": customer.pk}, {"row": 2, "customer": customer.pk}], "lines.1.row"),
        ([{"row": 2}], "lines.0.customer"),
        ([{"row": 2, "customer": 999999}], "lines.0.customer"),
        (
            [{"row": 2, "customer": other.pk, "allocations": [other_contract]}],
            "lines.0.allocations.0.contract",
        ),
        ([{"row": 2, "customer": customer.pk, "allocations": "all"}], "lines.0.allocations"),
        ([], "lines"),
    ]
    for lines, field in cases:
        with pytest.raises(InvalidInput) as refused:
            confirm(finance, statement, *lines)
        assert field in refused.value.errors, (lines, refused.value.errors)
    assert nothing_written(statement)
    with pytest.raises(PermissionRefused):
        confirm(make_user("finance_vp"), statement, {"row": 2, "customer": customer.pk})


def test_the_open_contracts_are_proposed_oldest_due_first_with_the_amount_spread(
    finance, clerk, manager, keeper, guard, warehouse, customer, contract, second_contract
):
    lathe = second_contract.lines.get(product__code="P-1001")
    deliver(
        line=lathe,
        days_ago=60,
        contract=second_contract,
        warehouse=warehouse,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
    )
    statement = upload(
        finance,
        csv_file(
            [
                [_day(2).isoformat(), "200000.00", customer.name, "B1"],
                [_day(1).isoformat(), "368490.00", customer.name, "B2"],
            ]
        ),
    )

    shown = bank_statement_get(user=finance, statement_id=statement.pk)
    proposals = bank_line_proposals(shown.lines.all())

    first, second = (proposals[line.pk] for line in shown.lines.all())
    assert [(p["contract"].pk, p["remaining"], p["suggested"]) for p in first] == [
        (second_contract.pk, Decimal("368490.00"), Decimal("200000.00")),  # delivered, due first
        (contract.pk, Decimal("368490.00"), Decimal("0.00")),
    ]
    assert first[0]["first_due"] is not None and first[1]["first_due"] is None
    # The second line is offered what the first line's suggestion leaves.
    assert [(p["contract"].pk, p["suggested"]) for p in second] == [
        (second_contract.pk, Decimal("168490.00")),
        (contract.pk, Decimal("200000.00")),
    ]


# -- confirm through the API -------------------------------------------------------------------


@pytest.mark.rule("R16")
def test_the_api_confirms_lines_into_receipts(api, finance, customer, contract):
    client = api.as_user(finance)
    statement = one_line(finance, customer.name, amount="1000.00")

    response = client.post(
        f"/api/v1/bank-statements/{statement.pk}/confirm/",
        {
            "lines": [
                {
                    "row": 2,
                    "customer": customer.pk,
                    "allocations": [{"contract": contract.pk, "amount": "400.00"}],
                }
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "done"
    (receipt,) = body["receipts"]
    assert (receipt["method"], receipt["reference"], receipt["amount"]) == (
        "bank_transfer",
        "B1",
        "1000.00",
    )
    assert receipt["unallocated_amount"] == "600.00"
    assert body["lines"][0]["status"] == "imported"
    assert body["lines"][0]["receipt"] == receipt["id"]


@pytest.mark.rule("R16")
def test_the_api_refusals_name_the_line(api, finance, customer, contract, make_user):
    client = api.as_user(finance)
    statement = one_line(finance, customer.name, amount="1000.00")
    url = f"/api/v1/bank-statements/{statement.pk}/confirm/"
    over = {"contract": contract.pk, "amount": "368490.01"}

    refused = client.post(
        url, {"lines": [{"row": 2, "customer": customer.pk, "allocations": [over]}]}, format="json"
    )
    malformed = client.post(url, {"lines": [{"row": "x", "customer": customer.pk}]}, format="json")
    empty = client.post(url, {"lines": []}, format="json")
    vp = api.as_user(make_user("finance_vp")).post(
        url, {"lines": [{"row": 2, "customer": customer.pk}]}, format="json"
    )

    assert refused.status_code == 409
    assert refused.json()["code"] == "over_allocation"
    assert list(refused.json()["errors"]) == ["lines.0.allocations"]
    assert malformed.status_code == 400 and list(malformed.json()["errors"]) == ["lines.0.row"]
    assert empty.status_code == 400 and list(empty.json()["errors"]) == ["lines"]
    assert vp.status_code == 403
    assert not Receipt.objects.exists()


# -- the pages ---------------------------------------------------------------------------------


def test_finance_uploads_a_statement_on_the_page_and_reviews_its_lines(
    client, finance, customer, contract
):
    client.force_login(finance)
    assert client.get("/bank-statements/upload/").status_code == 200
    file = xlsx_file(
        [
            [_day(2), 1000, customer.name, "B1"],
            [_day(2), "abc", "某公司", "B2"],
            [_day(1), 5, "某公司", "B3"],
        ]
    )

    response = client.post("/bank-statements/upload/", {"file": file})

    statement = BankStatement.objects.get()
    assert response.status_code == 302 and response.url == f"/bank-statements/{statement.pk}/"
    page = client.get(response.url).content.decode()
    assert customer.name in page and "B1" in page and "1,000.00" in page
    assert f'<option value="{customer.pk}" selected>' in page  # the match, prefilled
    assert contract.number in page and 'name="alloc-2-' in page  # its open contract proposed
    assert 'value="1,000.00"' in page  # the line's amount proposed for it
    assert 'name="import-2" checked' in page or "checked" in page.split('name="import-2"')[1][:40]
    assert 'name="import-3"' not in page  # an invalid line cannot be ticked
    assert "Enter a number." in page  # its error, by column
    assert 'name="import-4"' in page  # unmatched: may be ticked once a customer is chosen


def test_the_upload_page_refuses_a_file_that_is_not_a_statement_beside_the_field(client, finance):
    client.force_login(finance)

    response = client.post(
        "/bank-statements/upload/", {"file": SimpleUploadedFile("x.csv", b"\x00\x01")}
    )

    assert response.status_code == 400
    assert "Upload a CSV or XLSX file." in response.content.decode()
    assert not BankStatement.objects.exists()


@pytest.mark.rule("R16")
def test_confirming_on_the_review_page_records_the_receipts_and_links_them(
    client, finance, customer, contract
):
    client.force_login(finance)
    statement = upload(
        finance,
        csv_file(
            [
                [_day(2).isoformat(), "1000.00", customer.name, "B1"],
                [_day(1).isoformat(), "300.00", "某公司", "B2"],
            ]
        ),
    )

    response = client.post(
        f"/bank-statements/{statement.pk}/",
        {
            "import-2": "on",
            "customer-2": customer.pk,
            f"alloc-2-{contract.pk}": "600.00",
            "import-3": "on",
            "customer-3": customer.pk,
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    first, second = Receipt.objects.order_by("received_on")
    assert (first.amount, first.allocated, second.amount, second.allocated) == (
        Decimal("1000.00"),
        Decimal("600.00"),
        Decimal("300.00"),
        0,
    )
    page = client.get(response.url).content.decode()
    assert f'<a href="/receipts/{first.pk}/">{first.number}</a>' in page
    assert f'<a href="/receipts/{second.pk}/">{second.number}</a>' in page
    assert 'name="import-2"' not in page  # imported: nothing left to tick


@pytest.mark.rule("R16", "R25")
def test_a_refused_confirm_on_the_page_says_why_beside_the_line_and_records_nothing(
    client, finance, customer, contract
):
    client.force_login(finance)
    statement = upload(
        finance,
        csv_file(
            [
                [_day(2).isoformat(), "1000.00", customer.name, "B1"],
                [_day(1).isoformat(), "300.00", "某公司", "B2"],
            ]
        ),
    )

    over = client.post(
        f"/bank-statements/{statement.pk}/",
        {"import-2": "on", "customer-2": customer.pk, f"alloc-2-{contract.pk}": "1000.01"},
    )
    no_customer = client.post(
        f"/bank-statements/{statement.pk}/", {"import-3": "on", "customer-3": ""}
    )

    assert over.status_code == 409
    assert "More than the receipt has unallocated." in over.content.decode()
    assert 'value="1000.01"' in over.content.decode()  # what was typed stays
    assert no_customer.status_code == 400
    assert "Choose the customer to import the line for." in no_customer.content.decode()
    assert not Receipt.objects.exists()


def test_choosing_a_customer_reloads_the_lines_contracts_in_place(
    client, finance, customer, contract
):
    client.force_login(finance)
    statement = one_line(finance, "某公司", amount="500.00")

    response = client.get(
        f"/bank-statements/{statement.pk}/rows/2/contracts/", {"customer-2": customer.pk}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="contracts-2"' in page and contract.number in page
    assert f'name="alloc-2-{contract.pk}"' in page and 'value="500.00"' in page


def test_the_review_page_costs_the_same_queries_for_many_lines(
    client, finance, customer, contract, django_assert_max_num_queries
):
    client.force_login(finance)
    others = [CustomerFactory() for _ in range(5)]
    rows = [[_day(1).isoformat(), f"{n + 1}.00", c.name, f"R{n}"] for n, c in enumerate(others * 4)]
    statement = upload(
        finance, csv_file([[_day(2).isoformat(), "9.00", customer.name, "X"], *rows])
    )

    with django_assert_max_num_queries(14):
        response = client.get(f"/bank-statements/{statement.pk}/")

    assert response.status_code == 200


def test_the_statements_are_on_finances_menu_and_closed_to_the_sales_side(
    client, finance, make_user
):
    client.force_login(finance)
    assert "/bank-statements/" in client.get("/").content.decode()
    assert client.get("/bank-statements/").status_code == 200

    client.force_login(make_user("sales_clerk"))
    assert client.get("/bank-statements/").status_code == 403
    assert client.get("/bank-statements/upload/").status_code == 403


def test_the_admin_shows_statements_read_only(client, make_user, finance, customer):
    statement = one_line(finance, customer.name)
    client.force_login(make_user(is_superuser=True, is_staff=True))

    page = client.get(f"/admin/finance/bankstatement/{statement.pk}/change/")

    assert page.status_code == 200 and customer.name in page.content.decode()
    assert client.get("/admin/finance/bankstatement/add/").status_code == 403
    assert client.get("/admin/finance/payermapping/").status_code == 200
