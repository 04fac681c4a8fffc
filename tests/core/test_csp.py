"""The Content-Security-Policy (issue 16, item 6): every response carries it; scripts come only
from our own files — no inline script, handler attribute or eval anywhere in the templates (the
browser tests fail on any console error, a CSP violation included)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)
TEMPLATES = [
    path
    for path in ROOT.glob("**/templates/**/*.html")
    if ".venv" not in path.parts and "staticfiles" not in path.parts
]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/login/", "/", "/api/docs/", "/api/v1/customers/"])
def test_every_answer_carries_a_policy_without_inline_script(client, clerk, path):
    client.force_login(clerk)
    response = client.get(path)

    policy = _policy(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_the_swagger_ui_runs_its_script_from_a_file(client, clerk):
    client.force_login(clerk)
    html = client.get("/api/docs/").content.decode()

    inline = [s for s in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S) if s[1].strip()]
    assert inline == []


def test_no_template_has_inline_script_or_handler_attributes():
    assert len(TEMPLATES) > 50
    offending = []
    for path in TEMPLATES:
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offending.append(f"{path}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text) or "hx-on" in text or "javascript:" in text:
            offending.append(f"{path}: handler attribute")
    assert offending == []


@pytest.mark.parametrize("path", ["/orders/new/", "/quotations/new/", "/approvals/"])
def test_rendered_forms_carry_no_handler_attributes(client, clerk, path):
    """Widgets' attributes come from Python too (the product select fills the price)."""
    from tests.factories import ProductFactory, active_price_list

    active_price_list(items=[(ProductFactory(), "1300.00", "1000.00")])
    client.force_login(clerk)
    html = client.get(path).content.decode()

    assert "data-fills-price" in html or path != "/orders/new/"
    assert re.findall(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", html) == []
