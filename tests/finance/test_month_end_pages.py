"""Finance's month-end page (issue 13 item 5, R20, R21): the months with their status, the run
started from the page (refusals beside the month), its progress polled while it works, the
differences with their drill-down and XLSX export, the co-sign buttons with the engine's
refusals, the close and the reopen with a reason, and the management summary with its chart."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from core.models import ClosedPeriod
from finance.models import PeriodEvent, Reconciliation
from finance.selectors_monthend import month_summary, periods_overview
from finance.services import month_end_execute, month_end_start, reconciliation_confirm
from finance.services.interest import previous_period
from tests.finance import test_month_end as service_tests

# The month-end services' fixtures: a contract delivered 100 days ago and 50,000.00 of it
# collected last month (`books`), a run started with its task inline (`run`), another finance
# user and the VP of finance.
books = service_tests.books
run = service_tests.run
finance2 = service_tests.finance2
vp = service_tests.vp

pytestmark = pytest.mark.rule("R20")

PERIOD = previous_period


def detail(period=None) -> str:
    return reverse("month-end-detail", args=[period or previous_period()])


def action(name: str, period=None) -> str:
    return reverse("month-end-action", args=[period or previous_period(), name])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def break_collected(contract, by: str = "1") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contracts_contractledger SET collected = collected + %s WHERE contract_id = %s",
            [Decimal(by), contract.pk],
        )


# -- the list -------------------------------------------------------------------------------------


def test_the_months_from_the_first_activity_with_their_status(client, books, finance, run):
    run(finance)
    client.force_login(finance)

    page = client.get(reverse("month-end-list"))

    assert page.status_code == 200
    months = page.context["months"]
    assert months[0]["status"] == "open"  # the current month
    last = next(m for m in months if m["period"] == previous_period())
    assert last["status"] == "computed" and last["difference_count"] == 0
    signed = books.signed_on.strftime("%Y-%m")
    assert months[-1]["period"] == min(signed, months[-1]["period"])
    html = page.content.decode()
    assert f'id="month-{previous_period()}"' in html and "Awaiting confirmation" in html
    assert 'id="month-end-run"' in html  # finance runs months
    assert 'id="month-chart"' in html and "<polyline" in html  # the trend, drawn on the server


def test_a_closed_month_is_listed_closed(books, finance):
    ClosedPeriod.objects.create(period=previous_period(), closed_by=finance)

    rows = {m["period"]: m["status"] for m in periods_overview()}

    assert rows[previous_period()] == "closed"


@pytest.mark.rule("R23")
def test_a_clerk_is_refused_and_the_sales_manager_reads_without_the_run_button(
    client, clerk, manager, finance
):
    client.force_login(clerk)
    assert client.get(reverse("month-end-list")).status_code == 403
    assert client.get(detail()).status_code == 403
    assert client.post(reverse("month-end-run"), {"period": PERIOD()}).status_code == 403
    assert client.post(action("confirm")).status_code == 403

    client.force_login(manager)
    page = client.get(reverse("month-end-list"))
    assert page.status_code == 200 and 'id="month-end-run"' not in page.content.decode()


def test_a_bad_month_in_the_url_is_not_found(client, finance):
    client.force_login(finance)

    assert client.get(reverse("month-end-detail", args=["2025-13"])).status_code == 404


# -- the run ---------------------------------------------------------------------------------------


def test_finance_runs_the_previous_month_from_the_page(
    client, books, finance, django_capture_on_commit_callbacks
):
    client.force_login(finance)

    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("month-end-run"), {"period": previous_period()})

    assert answer.status_code == 302 and answer.url == detail()
    reconciliation = Reconciliation.objects.get(period=previous_period())
    assert reconciliation.status == "computed" and reconciliation.step == "done"
    page = client.get(answer.url)
    html = page.content.decode()
    assert 'id="run-summary"' in html
    assert "every ledger figure agrees" in html
    assert 'hx-trigger="every 1s"' not in html  # finished: nothing polls
    assert 'id="summary-interest"' in html and "1 contract" in html
    assert [e.action for e in PeriodEvent.objects.filter(period=previous_period())] == [
        "run",
        "computed",
    ]


@pytest.mark.parametrize("bad", ["2025-13", "soon", ""])
def test_a_bad_month_is_refused_beside_the_field(client, finance, bad):
    client.force_login(finance)

    answer = client.post(reverse("month-end-run"), {"period": bad})

    assert answer.status_code == 400
    assert answer.context["run_form"].errors["period"]
    assert 'id="id_period_error"' in answer.content.decode()
    assert not Reconciliation.objects.exists()


def test_a_closed_month_or_a_run_under_way_is_refused_beside_the_field(client, books, finance):
    client.force_login(finance)
    month_end_start(actor=finance, period=previous_period())  # its task waits for the commit

    under_way = client.post(reverse("month-end-run"), {"period": previous_period()})

    assert under_way.status_code == 409
    assert under_way.context["run_form"].errors["period"] == [
        "A run of this month is already working."
    ]
    ClosedPeriod.objects.create(period=previous_period(), closed_by=finance)
    closed = client.post(reverse("month-end-run"), {"period": previous_period()})
    assert closed.status_code == 409
    assert closed.context["run_form"].errors["period"] == ["This month is closed."]


def test_only_finance_starts_a_run(client, manager):
    client.force_login(manager)

    answer = client.post(reverse("month-end-run"), {"period": previous_period()})

    assert answer.status_code == 403
    assert not Reconciliation.objects.exists()


def test_the_progress_polls_while_the_run_works_and_stops_when_it_is_done(client, books, finance):
    client.force_login(finance)
    started = month_end_start(actor=finance, period=previous_period())  # not sent yet: running
    progress = reverse("month-end-progress", args=[previous_period()])

    page = client.get(detail()).content.decode()
    assert f'hx-get="{progress}"' in page and 'hx-trigger="every 1s"' in page
    poll = client.get(progress, HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and 'hx-trigger="every 1s"' in poll.content.decode()
    assert "HX-Refresh" not in poll
    assert "Queued" in poll.content.decode()

    month_end_execute(reconciliation_id=started.pk, token=started.run_token)

    done = client.get(progress, HTTP_HX_REQUEST="true")
    html = done.content.decode()
    assert "hx-trigger" not in html and 'id="run-progress"' in html
    assert "Done" in html and 'value="100"' in html
    assert done["HX-Refresh"] == "true"  # the page reloads once, with what the run found


# -- the differences -------------------------------------------------------------------------------


def test_a_broken_figure_is_one_difference_with_its_drill_down(client, books, finance, run):
    break_collected(books)
    run(finance)
    client.force_login(finance)

    page = client.get(detail())

    rows = list(page.context["differences"])
    assert [(d.contract_id, d.figure, d.difference) for d in rows] == [
        (books.pk, "collected", Decimal("1.00"))
    ]
    html = page.content.decode()
    assert books.number in html and books.customer.name in html
    assert reverse("contract-detail", args=[books.pk]) in html
    assert f"{reverse('journal-list')}?contract={books.pk}" in html
    journal = client.get(reverse("journal-list"), {"contract": books.pk})
    assert journal.status_code == 200
    assert {line.contract_id for line in journal.context["page_obj"]} == {books.pk}


def test_the_differences_filter_by_figure_and_customer(client, books, finance, run):
    break_collected(books)
    run(finance)
    client.force_login(finance)

    def shown(**query):
        return len(list(client.get(detail(), query).context["differences"]))

    assert shown(figure="collected") == 1
    assert shown(figure="shipped") == 0
    assert shown(customer=books.customer.name[:2]) == 1
    assert shown(customer="nobody-like-this") == 0
    assert shown(customer=str(books.customer_id)) == 1


def test_the_differences_export_as_xlsx(client, books, finance, run):
    break_collected(books, "2.50")
    run(finance)
    client.force_login(finance)

    answer = client.get(detail(), {"export": "xlsx"})

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Contract", "Customer", "Figure"]
    assert rows[1][0] == books.number and rows[1][2] == "collected"
    assert Decimal(str(rows[1][6])) == Decimal("2.50")
    assert client.get(detail(), {"export": "pdf"}).status_code == 400


def test_no_export_before_the_month_is_run(client, finance):
    client.force_login(finance)

    assert client.get(detail(), {"export": "xlsx"}).status_code == 404


# -- confirm, close, reopen ------------------------------------------------------------------------


@pytest.mark.rule("R21")
def test_the_sales_manager_and_another_finance_confirm_the_starter_cannot(
    client, books, finance, finance2, manager, run
):
    run(finance)
    client.force_login(finance)
    own = client.get(detail()).content.decode()
    assert 'id="confirm"' not in own and 'id="own-run"' in own

    refused = client.post(action("confirm"), follow=True)

    assert "You cannot approve a document you submitted." in messages_of(refused)
    assert Reconciliation.objects.get().status == "computed"

    client.force_login(manager)
    assert 'id="confirm"' in client.get(detail()).content.decode()
    client.post(action("confirm"))
    twice = client.post(action("confirm"), follow=True)
    assert "You have already decided a step of this request." in messages_of(twice)
    assert Reconciliation.objects.get().status == "computed"

    client.force_login(finance2)
    confirmed = client.post(action("confirm"), follow=True)

    assert f"Month-end reconciliation of {previous_period()} confirmed." in messages_of(confirmed)
    assert Reconciliation.objects.get().status == "confirmed"
    html = confirmed.content.decode()
    assert "manager.wang" in html or manager.get_full_name() in html
    assert "Sales manager" in html and "Finance" in html
    assert 'id="close-month"' in html  # finance closes a confirmed month


def test_closing_needs_the_confirmation_then_closes_the_month(
    client, books, finance, finance2, manager, run
):
    reconciliation = run(finance)
    client.force_login(finance)

    early = client.post(action("close"), follow=True)

    assert any("confirmed" in m for m in messages_of(early))
    assert not ClosedPeriod.objects.exists()
    reconciliation_confirm(actor=manager, reconciliation_id=reconciliation.pk)
    reconciliation_confirm(actor=finance2, reconciliation_id=reconciliation.pk)

    closed = client.post(action("close"), follow=True)

    assert f"{previous_period()} is closed." in messages_of(closed)
    assert ClosedPeriod.objects.filter(period=previous_period()).exists()
    html = closed.content.decode()
    assert 'id="closed-note"' in html and 'id="run-month-end"' not in html
    assert 'id="reopen"' not in html  # finance does not reopen


def test_the_sales_manager_cannot_close(client, books, finance, finance2, manager, run):
    reconciliation = run(finance)
    reconciliation_confirm(actor=manager, reconciliation_id=reconciliation.pk)
    reconciliation_confirm(actor=finance2, reconciliation_id=reconciliation.pk)
    client.force_login(manager)

    assert 'id="close-month"' not in client.get(detail()).content.decode()
    refused = client.post(action("close"), follow=True)

    assert messages_of(refused)  # the role is finance's
    assert not ClosedPeriod.objects.exists()


def test_the_vp_reopens_with_a_reason_kept_in_the_history(client, books, finance, vp):
    ClosedPeriod.objects.create(period=previous_period(), closed_by=finance)
    client.force_login(finance)
    assert client.post(action("reopen"), {"reason": "late invoice"}).status_code == 403
    client.force_login(vp)
    assert 'id="reopen"' in client.get(detail()).content.decode()

    empty = client.post(action("reopen"), {"reason": "  "})

    assert empty.status_code == 400
    assert empty.context["reopen_form"].errors["reason"] == ["Say why the month is reopened."]
    assert 'id="id_reason_error"' in empty.content.decode()
    too_long = client.post(action("reopen"), {"reason": "x" * 201})
    assert too_long.status_code == 400 and too_long.context["reopen_form"].errors["reason"]
    assert ClosedPeriod.objects.exists()

    reopened = client.post(action("reopen"), {"reason": "a late supplier invoice"}, follow=True)

    assert not ClosedPeriod.objects.exists()
    html = reopened.content.decode()
    assert "a late supplier invoice" in html and "Reopened" in html


def test_an_unknown_action_is_not_found(client, finance):
    client.force_login(finance)

    assert client.post(action("approve")).status_code == 404


# -- the management summary ------------------------------------------------------------------------


def test_the_summary_counts_orders_deliveries_collections_and_overdue(books, finance):
    rows = {row["period"]: row for row in month_summary()}

    assert len(rows) == 12
    last = rows[previous_period()]
    assert last["collections"] == Decimal("50000.00")
    assert sum(row["deliveries"] for row in rows.values()) == Decimal("180800.00")
    assert sum(row["orders"] for row in rows.values()) == 1
    assert sum(row["orders_gross"] for row in rows.values()) == books.gross_amount
    # The lathe fell due 55 days ago: unpaid past due at last month's end, less what came in.
    assert last["overdue"] == Decimal("130800.00")


def test_the_summary_table_is_on_the_list(client, books, finance):
    client.force_login(finance)

    html = client.get(reverse("month-end-list")).content.decode()

    assert f'id="summary-{previous_period()}"' in html
    assert "50,000.00" in html and "130,800.00" in html


@pytest.mark.rule("R21")
def test_the_inbox_shows_the_run_and_links_to_its_month(client, books, finance, manager, run):
    reconciliation = run(finance)
    client.force_login(manager)

    page = client.get(reverse("approval-detail", args=[reconciliation.approval_request.pk]))

    assert page.status_code == 200
    assert f'href="{detail()}"' in page.content.decode()
