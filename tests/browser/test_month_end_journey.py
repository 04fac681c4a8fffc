"""Month end in a real browser (issue 13 item 5, R20, R21): finance starts the previous month's
run from the month-end page and watches it finish; the one difference it finds (a ledger figure
broken by SQL) drills down to its contract and its journal lines; the person who started the
run cannot confirm it, the sales manager and another finance user do; finance closes the month,
and a receipt dated in it is then refused beside its date."""

import datetime
import re

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from core.models import ClosedPeriod
from finance.models import Reconciliation
from finance.services.interest import previous_period
from tests.finance.conftest import collect, deliver
from tests.inventory import conftest as fulfilment

pytestmark = pytest.mark.browser

catalogue = fulfilment.catalogue
customer = fulfilment.customer
head = fulfilment.head
finance = fulfilment.finance
approved_order = fulfilment.approved_order
contract = fulfilment.contract
lathe_line = fulfilment.lathe_line
warehouse = fulfilment.warehouse
keeper = fulfilment.keeper
guard = fulfilment.guard


def last_month_day(day: int) -> datetime.date:
    first = timezone.localdate().replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=day)


@pytest.fixture
def finance_b(make_user):
    return make_user("finance", username="finance.zhou", first_name="Zhou")


@pytest.fixture
def books(contract, lathe_line, clerk, manager, keeper, guard, warehouse, finance):
    """A lathe delivered 100 days ago and 50,000.00 of it collected last month; the contract's
    ledger then overstates what it collected by 1.00 (changed by SQL, behind the services'
    back): the run must find exactly that."""
    deliver(
        line=lathe_line,
        days_ago=100,
        contract=contract,
        warehouse=warehouse,
        clerk=clerk,
        manager=manager,
        keeper=keeper,
        guard=guard,
    )
    collect(finance, contract, "50000.00", last_month_day(3))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE contracts_contractledger SET collected = collected + 1 WHERE contract_id = %s",
            [contract.pk],
        )
    return contract


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))


@pytest.mark.rule("R20", "R21")
def test_finance_runs_confirms_and_closes_the_month_then_a_receipt_in_it_is_refused(
    page, login, books, finance, finance_b, manager
):
    period = previous_period()
    detail = f"/finance/month-end/{period}/"

    # Finance A starts the run of the previous month from the month-end page.
    login(page, finance)
    page.goto("/finance/month-end/")
    expect(page.locator(f"#month-{period}")).to_contain_text("Open")
    expect(page.locator("svg#month-chart")).to_be_visible()
    expect(page.locator("#month-end-run #id_period")).to_have_value(period)
    page.get_by_role("button", name="Run month end").click()

    # She watches it finish: the progress reaches the end, the polling stops.
    expect(page).to_have_url(re.compile(rf"/finance/month-end/{period}/$"))
    expect(page.locator("#run-status")).to_have_text("Awaiting confirmation")
    expect(page.locator("#run-step")).to_have_text("Done")
    expect(page.locator("#run-bar")).to_have_attribute("value", "100")
    expect(page.locator("#run-progress[hx-trigger]")).to_have_count(0)
    expect(page.locator("#run-summary")).to_contain_text("1 contract")

    # Exactly one difference: the contract's collected figure, 1.00 over the journal.
    rows = page.locator("#difference-rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(books.number)
    expect(rows.first).to_contain_text("collected")
    expect(rows.first).to_contain_text("50,001.00")
    expect(rows.first).to_contain_text("50,000.00")

    # Its drill-down: the contract's page, then its journal lines.
    rows.first.get_by_role("link", name=books.number).click()
    expect(page).to_have_url(re.compile(rf"/contracts/{books.pk}/$"))
    expect(page.locator("h1")).to_contain_text(books.number)
    page.go_back()
    page.locator("#difference-rows").get_by_role("link", name="Journal lines").click()
    expect(page).to_have_url(re.compile(rf"/journal/\?contract={books.pk}$"))
    expect(page.locator("main")).to_contain_text(books.number)
    page.goto(detail)

    # R21: she started the run, so she does not confirm it.
    expect(page.locator("#own-run")).to_be_visible()
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    log_out(page)

    # The sales manager confirms.
    login(page, manager)
    page.goto(detail)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".messages")).to_contain_text(f"Month-end reconciliation of {period}")
    expect(page.locator("#month-status")).to_have_text("Awaiting confirmation")
    expect(page.locator("#confirmation-steps")).to_contain_text("Sales manager")
    expect(page.get_by_role("button", name="Close month")).to_have_count(0)
    log_out(page)

    # Finance B confirms, then closes the month.
    login(page, finance_b)
    page.goto(detail)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#month-status")).to_have_text("Confirmed")
    page.get_by_role("button", name="Close month").click()
    expect(page.locator("#month-status")).to_have_text("Closed")
    expect(page.locator("#closed-note")).to_be_visible()
    expect(page.locator("#month-history")).to_contain_text("Closed")
    assert ClosedPeriod.objects.filter(period=period).exists()
    assert Reconciliation.objects.get(period=period).status == "confirmed"

    # A receipt dated in the closed month is refused beside its date.
    page.goto(f"/receipts/new/?customer={books.customer_id}")
    page.get_by_label("Amount", exact=True).fill("1,000.00")
    page.get_by_label("Received on").fill(last_month_day(10).isoformat())
    page.get_by_role("button", name="Record receipt").click()
    expect(page.locator("#id_received_on_error")).to_contain_text(
        "This date is in a closed period."
    )
    expect(page).to_have_url(re.compile(r"/receipts/new/"))


@pytest.mark.postgres
@pytest.mark.rule("R20")
def test_the_page_polls_a_working_run_and_shows_what_it_found_when_it_ends(
    page, login, books, finance, settings
):
    """The run works beside the page (its task in another thread, slowed after each batch of
    one contract): the progress polls every second, and once the run is done the page reloads
    with its result, the polling stopped."""
    import threading

    from django.db import connection as thread_connection

    from finance.services import month_end_start

    settings.MONTH_END_BATCH = 1
    settings.MONTH_END_THROTTLE = 4
    period = previous_period()

    def start():
        try:
            month_end_start(actor=finance, period=period)
        finally:
            thread_connection.close()

    login(page, finance)
    worker = threading.Thread(target=start)
    worker.start()
    try:
        for _attempt in range(100):
            run = Reconciliation.objects.filter(period=period).first()
            if run is not None and run.total:
                break
            page.wait_for_timeout(100)
        page.goto(f"/finance/month-end/{period}/")
        expect(page.locator("#run-status")).to_have_text("Running")
        expect(page.locator("#run-progress[hx-trigger]")).to_have_count(1)
        expect(page.locator("#run-done")).to_have_text("1 / 1")
        expect(page.locator("#run-status")).to_have_text("Awaiting confirmation", timeout=15_000)
        expect(page.locator("#run-progress[hx-trigger]")).to_have_count(0)
        expect(page.locator("#difference-rows tbody tr")).to_have_count(1)
    finally:
        worker.join(timeout=30)
