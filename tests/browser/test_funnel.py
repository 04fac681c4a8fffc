"""The presales funnel in a real browser (issue 15 item 5; R26, R27): the sales manager opens it
from the Sales menu, sees both charts drawn as SVG by the server (no script), narrows it to a
period and a salesperson with the filters, and downloads the XLSX of the same figures."""

import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.sales import test_funnel as funnel

pytestmark = [pytest.mark.browser, pytest.mark.rule("R26", "R27")]

people = funnel.people
books = funnel.books


def test_the_manager_reads_the_funnel_filters_it_and_downloads_it(page, login, books, tmp_path):
    login(page, books["manager"])
    page.locator("summary", has_text="Sales").click()
    page.get_by_role("link", name="Presales funnel").click()
    expect(page.locator("h1")).to_contain_text("Presales funnel")

    page.locator("input[name=date_from]").fill("2026-10-01")
    page.locator("input[name=date_to]").fill("2026-11-30")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("svg#funnel-stage-chart")).to_be_visible()
    expect(page.locator("svg#funnel-outcome-chart rect[data-series=lost_gross]")).to_have_count(2)
    expect(page.locator("#funnel-leads tfoot")).to_contain_text("7")
    expect(page.locator("#funnel-months tr[data-month='2026-11'] .rate")).to_have_text("33.33%")
    page.screenshot(path=str(tmp_path / "funnel.png"), full_page=True)

    page.locator("select[name=salesperson]").select_option("clerk.zhang")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#funnel-leads tfoot")).to_contain_text("2")
    expect(page.locator("#funnel-salespeople tbody tr")).to_have_count(1)

    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    path = tmp_path / "funnel.xlsx"
    download.value.save_as(path)
    book = load_workbook(io.BytesIO(path.read_bytes()))
    assert book["Leads by stage"]["G5"].value == 2  # clerk.zhang's two leads, all grades
