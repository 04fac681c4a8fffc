"""Issue 11 item 4 in the real browser: at 1366 px the general manager's menu is one line, and
a group opens on a click and leads to its page."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_general_managers_menu_is_one_line_at_1366_px_and_its_groups_open(
    page, login, make_user
):
    gm = make_user("general_manager")
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, gm)
    page.goto("/")

    nav = page.locator("nav.nav").bounding_box()
    link = page.locator("nav.nav > a").first.bounding_box()
    assert nav["height"] < 2 * link["height"]

    page.locator("details.nav-group summary", has_text="Sales").click()
    page.locator("details.nav-group[open] a", has_text="Orders").click()
    page.wait_for_url("**/orders/")
    assert page.locator("h1").first.is_visible()
