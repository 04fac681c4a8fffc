"""The Simplified Chinese catalogue is complete, compiled, and used by pages and the API.

A developer who adds UI text without translating it gets a failing test naming the msgid.
To fix it:

    .venv/bin/python manage.py makemessages -l zh_Hans --no-obsolete \
        --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench
    # translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po, then
    .venv/bin/python manage.py compilemessages -l zh_Hans --ignore=.venv
"""

import os
import re
import shutil
from collections import Counter
from io import StringIO
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import translation

from tests.factories import UserFactory

LOCALE = "zh_Hans"
LOCALE_DIR = Path(django_settings.BASE_DIR) / "locale"
PO_PATH = LOCALE_DIR / LOCALE / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# The same patterns as the documented makemessages command line.
IGNORE = [".venv", "staticfiles", "tests", "bench"]
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
HAN = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxX%]")


@pytest.fixture(autouse=True)
def _reset_language():
    """LocaleMiddleware activates the request's language and leaves it active in the thread."""
    yield
    translation.deactivate()


def _names(entries) -> str:
    return "\n".join(
        f"  - {e.msgid!r} ({', '.join(f'{p}:{n}' for p, n in e.occurrences)})" for e in entries
    )


def _regenerated_catalogue(tmp_path: Path, settings, monkeypatch) -> polib.POFile:
    """Run makemessages against a temporary copy of the committed catalogue.

    makemessages walks the current directory and writes into every `locale` dir it meets
    there (and LOCALE_PATHS[0]), so it runs in a temporary tree that links to the sources
    and holds a *copy* of locale/: the committed files are never touched.
    """
    missing = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing:
        reason = f"GNU gettext is not installed ({', '.join(missing)} not on PATH)"
        if IN_CI:
            pytest.fail(f"{reason}; CI must install gettext (apt-get install gettext)")
        pytest.skip(f"{reason}: cannot check the catalogue is complete")

    tree = tmp_path / "src"
    tree.mkdir()
    base = Path(django_settings.BASE_DIR)
    for entry in base.iterdir():
        if entry.name == "locale" or entry.name in IGNORE or entry.name.startswith("."):
            continue
        (tree / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    shutil.copytree(LOCALE_DIR, tree / "locale")
    settings.LOCALE_PATHS = [tree / "locale"]
    monkeypatch.chdir(tree)
    call_command(
        "makemessages",
        locale=[LOCALE],
        domain="django",
        ignore_patterns=IGNORE,
        symlinks=True,
        verbosity=0,
        stdout=StringIO(),
        stderr=StringIO(),
    )
    return polib.pofile(str(tree / "locale" / LOCALE / "LC_MESSAGES" / "django.po"))


def test_catalogue_covers_every_source_string(tmp_path, settings, monkeypatch):
    po = _regenerated_catalogue(tmp_path, settings, monkeypatch)

    untranslated = po.untranslated_entries()
    fuzzy = po.fuzzy_entries()
    obsolete = po.obsolete_entries()
    problems = []
    if untranslated:
        problems.append(f"untranslated (new UI text?):\n{_names(untranslated)}")
    if fuzzy:
        problems.append(f"fuzzy (guessed by msgmerge, check and unflag):\n{_names(fuzzy)}")
    if obsolete:
        stale = "\n".join(f"  - {e.msgid!r}" for e in obsolete)
        problems.append(f"obsolete (no longer in the source; run with --no-obsolete):\n{stale}")
    assert not problems, f"{PO_PATH} is not complete:\n" + "\n".join(problems)
    assert len(po.translated_entries()) > 0


def test_catalogue_header():
    po = polib.pofile(str(PO_PATH))
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    assert po.metadata["Language"] == LOCALE
    assert "charset=UTF-8" in po.metadata["Content-Type"]
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_translations_keep_placeholders():
    po = polib.pofile(str(PO_PATH))
    wrong = []
    for entry in po.translated_entries():
        if entry.msgid_plural:
            expected = Counter(PLACEHOLDER.findall(entry.msgid_plural))
            strings = list(entry.msgstr_plural.values())
        else:
            expected = Counter(PLACEHOLDER.findall(entry.msgid))
            strings = [entry.msgstr]
        if "python-format" not in entry.flags and not expected:
            continue
        wrong += [(entry.msgid, s) for s in strings if Counter(PLACEHOLDER.findall(s)) != expected]
    assert not wrong, "placeholders differ from the msgid:\n" + "\n".join(
        f"  - {msgid!r} -> {msgstr!r}" for msgid, msgstr in wrong
    )


def _mo_pairs(mo: polib.MOFile) -> set[tuple]:
    return {
        (e.msgctxt, e.msgid, e.msgid_plural, e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in mo
    }


def test_compiled_catalogue_is_up_to_date(tmp_path):
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run compilemessages -l {LOCALE}"
    fresh_path = tmp_path / "django.mo"
    po = polib.pofile(str(PO_PATH))
    po.save_as_mofile(str(fresh_path))
    fresh = polib.mofile(str(fresh_path))
    committed = polib.mofile(str(MO_PATH))

    missing = _mo_pairs(fresh) - _mo_pairs(committed)
    stale = _mo_pairs(committed) - _mo_pairs(fresh)
    assert not (missing or stale), (
        f"{MO_PATH.name} does not match {PO_PATH.name}: run compilemessages -l {LOCALE}\n"
        f"  not in .mo: {sorted(p[1] for p in missing)}\n"
        f"  stale in .mo: {sorted(p[1] for p in stale)}"
    )
    assert committed.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


def test_language_switch_renders_pages_in_the_chosen_language(client, db):
    user = UserFactory(roles=("sales_clerk",))
    assert client.login(username=user.username, password="secret-pass-123")

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/customers/"})
    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    page = client.get("/customers/").content.decode()
    assert '<html lang="zh-hans">' in page
    assert "<h1>客户</h1>" in page
    assert "退出登录" in page
    assert "<h1>Customers</h1>" not in page

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
    assert response.status_code == 302
    page = client.get("/customers/").content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Customers</h1>" in page
    assert "Log out" in page
    assert "<h1>客户</h1>" not in page


def test_api_error_detail_follows_accept_language(client, db):
    english = client.get("/api/v1/customers/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get("/api/v1/customers/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 401
    assert english.json()["code"] == chinese.json()["code"] == "not_authenticated"
    assert not HAN.search(english.json()["detail"])
    assert HAN.search(chinese.json()["detail"]), chinese.json()
    assert chinese.json()["detail"] != english.json()["detail"]


def test_api_not_found_uses_the_project_catalogue(client, db):
    response = client.get("/api/v1/no-such-endpoint/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "未找到。", "errors": {}}
