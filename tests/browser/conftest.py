"""Real-browser harness: Debian's Chromium driven by Playwright against `live_server`.

Nothing is downloaded: Playwright launches the system Chromium (CHROMIUM, default
/usr/bin/chromium) with a fresh temporary profile for each run. Each test gets its own browser
context in English (locale en-US) and fails if the page logged a JavaScript error or tried to
reach any host other than the live server (no CDN, no telemetry).
"""

import os
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's default
TIMEOUT_MS = 10_000  # a loaded 2-core CI box: htmx round trips can take seconds


@pytest.fixture(scope="package")
def browser():
    """One Chromium for all the browser tests; `launch()` gives it a fresh temporary profile,
    removed on close.

    Playwright's sync API marks its event loop as running in this thread between calls, so
    Django's async-safety check would refuse the (synchronous, safe) ORM calls the tests make:
    DJANGO_ALLOW_ASYNC_UNSAFE relaxes it. Package scope, not session: once the last browser
    test is done, Playwright stops and the variable is removed again, so neither leaks into the
    rest of the run (`manage.py check --deploy` in a subprocess reports async.E001 if it is set).
    """
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with pytest.MonkeyPatch.context() as env, sync_api.sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request, tmp_path):
    """A new English-speaking browser context and page on the live server.

    Every confirm() dialog is accepted (unless `page.accept_dialogs` is set to False) and its
    question kept in `page.dialogs`.
    At teardown the test fails if the page logged a console error, raised an uncaught exception
    or tried to load anything from another host (such requests are also aborted).
    """
    server = urlsplit(live_server.url)
    problems: list[str] = []

    def foreign(url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme not in {"data", "blob", "about"} and (
            parts.scheme not in {"http", "https", "ws", "wss"} or parts.netloc != server.netloc
        )

    def refuse(route):
        problems.append(f"request to another host: {route.request.url}")
        route.abort()

    answered_with_error: set[str] = set()  # pages whose own HTTP status says "error"

    def on_response(response):
        if response.request.resource_type == "document" and response.status >= 400:
            answered_with_error.add(response.url)

    def on_console(message):
        if message.type != "error":
            return
        where = message.location.get("url", "")
        # Chromium logs a page answered with 4xx/5xx (a form re-shown with status 400) as
        # "Failed to load resource"; the test asserts that status itself. A sub-resource that
        # fails to load (a missing script or stylesheet) is still a problem.
        if message.text.startswith("Failed to load resource") and where in answered_with_error:
            return
        problems.append(f"console error: {message.text} ({where})")

    context = browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.route(foreign, refuse)
    tab = context.new_page()
    tab.on("response", on_response)
    tab.on("console", on_console)
    tab.on("pageerror", lambda error: problems.append(f"uncaught JS error: {error}"))
    # A destructive action asks first (data-confirm, static/js/o2c.js): the user says yes
    # (a test sets `page.accept_dialogs = False` to say no). Unhandled, Playwright would
    # dismiss the dialog and the form would not be sent.
    tab.dialogs, tab.accept_dialogs = [], True

    def on_dialog(dialog):
        tab.dialogs.append(dialog.message)
        dialog.accept() if tab.accept_dialogs else dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.on("websocket", lambda ws: foreign(ws.url) and problems.append(f"websocket: {ws.url}"))
    yield tab
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        shot = tmp_path / "failure.png"
        tab.screenshot(path=str(shot), full_page=True)
        print(f"\nscreenshot of the failing page: {shot} (at {tab.url})")
    context.close()
    if problems:
        pytest.fail("the page misbehaved:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def login():
    """`login(page, user)`: sign in through the real login form and land on the home page."""
    from playwright.sync_api import expect

    def sign_in(page, user, password: str = PASSWORD):
        page.goto("/login/")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: urlsplit(url).path == "/")
        expect(page.locator("header .who")).to_have_text(user.get_full_name() or user.username)
        return page

    return sign_in
