"""Issue 11 item 7: what people read is in business words. Rule numbers (R4, R13) and URLs stay
in the code, the comments and the API's error codes; a msgid whose words Django's own catalogues
translate with another meaning ("Order" as sorting, "Change" as editing) carries a context, so
our translation never replaces Django's in the admin."""

import glob
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
RULE_CODE = re.compile(r"[（(]R\d{1,2}\b")
URL_PATH = re.compile(r"(?<![\w.])/[a-z][a-z-]*/[\w/?=-]*")
COMMENT = re.compile(r"\{#.*?#\}", re.S)
# Words Django also translates, with the same meaning: our wording may differ.
SAME_MEANING = {
    "This field is required.",
    "Enter a number.",
    "Email",
    "Log out",
    "Filter",
    "Created",
    "Deleted",
    "Changed",
}


def _entries():
    return [e for e in polib.pofile(str(CATALOGUE)) if not e.obsolete]


@pytest.mark.rule("R25")
def test_no_message_shows_a_rule_number_or_a_url():
    offenders = [
        e.msgid for e in _entries() if RULE_CODE.search(e.msgid) or URL_PATH.search(e.msgid)
    ]
    assert offenders == []


def test_no_template_text_shows_a_rule_number():
    offenders = []
    for path in sorted(ROOT.glob("**/templates/**/*.html")) + sorted(
        ROOT.glob("**/templates/**/*.txt")
    ):
        if ".venv" in path.parts:
            continue
        text = COMMENT.sub("", path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(ROOT)}: {m}" for m in RULE_CODE.findall(text)]
    assert offenders == []


def test_words_django_means_otherwise_carry_a_context():
    site = Path(__import__("django").__file__).resolve().parents[1]
    django_words: dict[str, set[str]] = {}
    for file in glob.glob(
        str(site / "**" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"), recursive=True
    ):
        for entry in polib.pofile(file):
            if not entry.msgctxt and entry.msgstr:
                django_words.setdefault(entry.msgid, set()).add(entry.msgstr)
    overriding = {
        e.msgid
        for e in _entries()
        if not e.msgctxt
        and e.msgid in django_words
        and e.msgstr not in django_words[e.msgid]
        and e.msgid not in SAME_MEANING
    }
    assert overriding == set()


def test_the_admin_keeps_djangos_own_change_and_order(client):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Change") == "修改"
        assert translation.pgettext("history column", "Change") == "变更类型"
        assert translation.pgettext("document", "Order") == "合同申报单"
        assert translation.gettext("Order") != "合同申报单"


def test_the_demo_data_speaks_chinese(db):
    """The demo's names, notes and descriptions are Chinese only (no "李雷 Li Lei")."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from inventory.models import ServiceDispatch, Warehouse
    from sales.models import Customer, Order, Product

    call_command("seed_demo", verbosity=0)

    latin = re.compile(r"[A-Za-z]{3,}")
    users = get_user_model().objects.exclude(username="admin")
    texts = [u.get_full_name() for u in users]
    texts += list(Customer.objects.values_list("name", flat=True))
    texts += [
        re.sub(r"[A-Z]+\d+|[A-Z]{2,}-?\d*", "", n)
        for n in Product.objects.values_list("name", flat=True)
    ]
    texts += list(Warehouse.objects.values_list("name", flat=True))
    texts += list(Order.objects.values_list("note", flat=True))
    texts += list(ServiceDispatch.objects.values_list("description", flat=True))
    assert [t for t in texts if latin.search(t)] == []
    assert "李雷" in texts
