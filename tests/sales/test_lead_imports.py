"""Leads imported from a sheet (issue 15 item 7, R26, R25, R23): bad rows named by row and column
and never written, duplicates (phone, email, normalised company name; leads, customers, earlier
rows) held for a decision, one commit per batch."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook

from core.errors import InvalidInput, NotVisible, RuleViolation
from sales.models import Lead, LeadImport, LeadImportStatus
from sales.services.lead_imports import lead_import_commit, lead_import_preview
from sales.services.leads import lead_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HEADER = ["公司", "联系人", "职位", "电话", "邮箱", "来源", "预算", "等级", "等级理由", "负责人"]


def csv_file(rows, *, header=HEADER, encoding="utf-8", name="展会名单.csv"):
    text = "\n".join(",".join(str(c) for c in r) for r in [header, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode(encoding))


def xlsx_file(rows, *, header=HEADER, name="list.xlsx"):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return SimpleUploadedFile(name, data.getvalue())


def row(company, contact="王经理", phone="", email="", grade="A", owner="", budget=""):
    return [company, contact, "采购", phone, email, "展会", budget, grade, "", owner]


def by_row(batch):
    return {r["row"]: r for r in batch.rows}


@pytest.mark.rule("R25")
def test_good_rows_are_imported_and_bad_rows_named_by_row_and_column(clerk):
    sheet = csv_file(
        [
            row("苏州新锐精密有限公司", phone="13800138000", budget='"¥500,000"'),
            row("", phone="13900139000"),  # no company
            row("杭州远景有限公司", email="not-an-email", grade="D"),
            row("宁波海天机械有限公司", grade="b"),
        ]
    )

    batch = lead_import_preview(actor=clerk, upload=sheet)

    rows = by_row(batch)
    assert (batch.row_count, batch.error_count, batch.duplicate_count) == (4, 2, 0)
    assert [(e["column"], e["field"]) for e in rows[3]["errors"]] == [("公司", "company")]
    assert sorted((e["column"], e["field"]) for e in rows[4]["errors"]) == [
        ("等级", "grade"),
        ("邮箱", "email"),
    ]
    assert rows[2]["status"] == rows[5]["status"] == "new"
    assert not Lead.objects.exists()  # the preview writes no lead

    batch = lead_import_commit(actor=clerk, import_id=batch.pk)

    leads = {lead.company: lead for lead in Lead.objects.all()}
    assert set(leads) == {"苏州新锐精密有限公司", "宁波海天机械有限公司"}
    assert leads["苏州新锐精密有限公司"].budget == 500000
    assert leads["苏州新锐精密有限公司"].source == "exhibition"
    assert leads["宁波海天机械有限公司"].grade == "B"
    assert all(lead.owner == clerk and lead.next_contact_due for lead in leads.values())
    assert (batch.status, batch.created_count, batch.error_count) == ("committed", 2, 2)
    assert by_row(batch)[2]["lead"] == leads["苏州新锐精密有限公司"].pk


@pytest.mark.rule("R26")
def test_a_gbk_csv_from_a_chinese_excel_is_read(clerk):
    sheet = csv_file([row("广州白云电器设备有限公司", contact="陈工")], encoding="gbk")

    batch = lead_import_preview(actor=clerk, upload=sheet)

    assert by_row(batch)[2]["values"]["company"] == "广州白云电器设备有限公司"
    assert by_row(batch)[2]["values"]["contact_name"] == "陈工"
    assert batch.error_count == 0


@pytest.mark.rule("R26")
def test_an_xlsx_with_english_headers_and_a_number_phone_is_read(clerk, manager):
    header = ["company", "Contact person", "phone", "email", "grade", "owner", "Remarks"]
    sheet = xlsx_file(
        [["Acme Trading Co., Ltd.", "Tom", 13800138000, "tom@acme.example", "C", "clerk.li", "x"]],
        header=header,
    )

    batch = lead_import_preview(actor=manager, upload=sheet)

    assert batch.columns["ignored"] == ["Remarks"]
    assert by_row(batch)[2]["values"]["phone"] == "13800138000"
    lead_import_commit(actor=manager, import_id=batch.pk)
    lead = Lead.objects.get()
    assert (lead.owner, lead.grade, lead.phone) == (clerk, "C", "13800138000")


@pytest.mark.rule("R23")
def test_a_clerk_cannot_give_an_imported_lead_to_someone_else(clerk, manager):
    batch = lead_import_preview(
        actor=clerk, upload=csv_file([row("深圳华强公司", owner=manager.username)])
    )

    assert [(e["column"], e["field"]) for e in by_row(batch)[2]["errors"]] == [("负责人", "owner")]


@pytest.mark.rule("R26")
def test_duplicates_by_phone_email_and_normalised_name_wait_for_a_decision(clerk):
    lead_create(actor=clerk, company="某某公司", contact_name="甲", grade="B", phone="13800138000")
    lead_create(actor=clerk, company="另一家公司", contact_name="乙", grade="B", email="LI@x.cn")
    customer = CustomerFactory(name="华为技术有限公司", owner=clerk)
    sheet = csv_file(
        [
            row("甲公司", phone="13800138000"),
            row("乙公司", email="li@x.cn"),
            row("华为技术"),
            row("全新公司", phone="13700137000"),
            row("全新有限公司", phone="13600136000"),  # same name as row 5, normalised
        ]
    )

    batch = lead_import_preview(actor=clerk, upload=sheet)

    rows = by_row(batch)
    assert batch.duplicate_count == 4
    assert [(d["kind"], d["by"]) for d in rows[2]["duplicates"]] == [("lead", "phone")]
    assert [(d["kind"], d["by"]) for d in rows[3]["duplicates"]] == [("lead", "email")]
    assert [(d["kind"], d["id"], d["by"]) for d in rows[4]["duplicates"]] == [
        ("customer", customer.pk, "company")
    ]
    assert rows[5]["status"] == "new"
    assert [(d["kind"], d["id"], d["by"]) for d in rows[6]["duplicates"]] == [("row", 5, "company")]
    assert all(rows[n]["decision"] == "skip" for n in (2, 3, 4, 6))

    batch = lead_import_commit(actor=clerk, import_id=batch.pk, decisions={"3": "import"})

    assert set(Lead.objects.values_list("company", flat=True)) == {
        "某某公司",
        "另一家公司",
        "乙公司",
        "全新公司",
    }
    assert (batch.created_count, batch.skipped_count) == (2, 3)
    assert {n: r["outcome"] for n, r in by_row(batch).items()} == {
        2: "skipped",
        3: "created",
        4: "skipped",
        5: "created",
        6: "skipped",
    }


@pytest.mark.rule("R26")
def test_a_duplicate_within_the_sheet_can_be_imported_anyway(clerk):
    batch = lead_import_preview(
        actor=clerk, upload=csv_file([row("同名公司", contact="甲"), row("同名公司", contact="乙")])
    )

    lead_import_commit(actor=clerk, import_id=batch.pk, decisions={3: "import"})

    assert sorted(Lead.objects.values_list("contact_name", flat=True)) == ["乙", "甲"]


@pytest.mark.rule("R25")
def test_a_decision_for_a_row_that_is_no_duplicate_is_refused_and_writes_nothing(clerk):
    batch = lead_import_preview(actor=clerk, upload=csv_file([row("甲公司"), row("甲公司")]))

    with pytest.raises(InvalidInput) as refused:
        lead_import_commit(actor=clerk, import_id=batch.pk, decisions={"2": "import", "3": "x"})

    assert refused.value.errors == {
        "decisions.2": ["Not a duplicate row of this import."],
        "decisions.3": ["Choose skip or import."],
    }
    assert not Lead.objects.exists()
    assert LeadImport.objects.get().status == LeadImportStatus.PREVIEWED


@pytest.mark.rule("R26")
def test_a_committed_batch_cannot_be_committed_again(clerk):
    batch = lead_import_preview(actor=clerk, upload=csv_file([row("甲公司")]))
    lead_import_commit(actor=clerk, import_id=batch.pk)

    with pytest.raises(RuleViolation) as refused:
        lead_import_commit(actor=clerk, import_id=batch.pk)

    assert refused.value.code == "lead_import_committed"
    assert Lead.objects.count() == 1


@pytest.mark.rule("R26")
def test_a_row_that_became_a_duplicate_after_the_preview_is_skipped(clerk):
    batch = lead_import_preview(actor=clerk, upload=csv_file([row("甲公司", phone="13800138000")]))
    lead_create(actor=clerk, company="别的公司", contact_name="丙", grade="C", phone="13800138000")

    batch = lead_import_commit(actor=clerk, import_id=batch.pk)

    assert by_row(batch)[2]["outcome"] == "skipped"
    assert Lead.objects.count() == 1


@pytest.mark.rule("R23")
def test_a_clerk_cannot_commit_another_clerks_batch(clerk, make_user, manager):
    other = make_user("sales_clerk", username="clerk.zhao")
    batch = lead_import_preview(actor=other, upload=csv_file([row("甲公司")]))

    with pytest.raises(NotVisible):
        lead_import_commit(actor=clerk, import_id=batch.pk)
    assert not Lead.objects.exists()
    lead_import_commit(actor=manager, import_id=batch.pk)  # the manager sees every batch
    assert Lead.objects.get().owner == other  # the importer's lead


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("a.csv", b"\x00\x01\x02binary"), "Upload a CSV or XLSX file."),
        (SimpleUploadedFile("a.xlsx", b"PK\x03\x04 not a workbook"), "not a readable XLSX"),
        (SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0old"), "old Excel"),
        (SimpleUploadedFile("a.csv", b""), "The file is empty."),
        (SimpleUploadedFile("a.txt", "公司,联系人,等级\n甲,乙,A\n".encode()), "Upload a CSV"),
        (SimpleUploadedFile("a.xlsx", "公司,联系人,等级\n甲,乙,A\n".encode()), "XLSX workbook"),
        (SimpleUploadedFile("a.csv", "名字,电话\n甲,1\n".encode()), "missing"),
        (SimpleUploadedFile("a.csv", "公司,联系人,等级\n".encode()), "no rows"),
    ],
)
def test_a_file_that_is_no_lead_sheet_is_refused_naming_file(clerk, upload, message):
    with pytest.raises(InvalidInput) as refused:
        lead_import_preview(actor=clerk, upload=upload)

    assert list(refused.value.errors) == ["file"]
    assert message in refused.value.errors["file"][0]
    assert not LeadImport.objects.exists()


@pytest.mark.rule("R25")
def test_size_and_row_caps_are_refused_naming_file(clerk):
    with override_settings(IMPORT_MAX_BYTES=100), pytest.raises(InvalidInput) as too_big:
        lead_import_preview(actor=clerk, upload=csv_file([row("甲公司")] * 10))
    with override_settings(LEAD_IMPORT_MAX_ROWS=2), pytest.raises(InvalidInput) as too_many:
        lead_import_preview(actor=clerk, upload=csv_file([row("甲公司")] * 3))

    assert too_big.value.errors == {"file": ["The file is too large."]}
    assert too_many.value.errors == {"file": ["A sheet holds at most 2 leads: split the file."]}
    with override_settings(LEAD_IMPORT_MAX_ROWS=2):
        assert lead_import_preview(actor=clerk, upload=csv_file([row("甲公司")] * 2)).row_count == 2
