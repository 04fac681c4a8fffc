"""The shape every app shares (docs/architecture.md), checked so it stays true as finance and
presales are added: dependencies point one way, transactions belong to services, selectors
only read, every app has the same rooms, core names no app's page."""

import ast
from pathlib import Path

import pytest
from django.urls import get_resolver

ROOT = Path(__file__).resolve().parents[2]
# DESIGN §5: a later app may import an earlier one, never the reverse.
ORDER = ["core", "approvals", "sales", "contracts", "inventory", "finance"]
APPS = ORDER[1:]
ROOMS = [
    "services",
    "selectors.py",
    "forms.py",
    "views",
    "api/serializers.py",
    "api/views.py",
    "api/urls.py",
    "tasks.py",
    "admin.py",
    "pdf.py",
    "urls.py",
    "templates/{app}",
]


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def _imported(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


@pytest.mark.parametrize("app", ORDER)
def test_an_app_imports_no_later_app(app):
    later = set(ORDER[ORDER.index(app) + 1 :])
    offenders = [
        f"{path.relative_to(ROOT)}: {module}"
        for path, tree in _modules(app)
        for module in _imported(tree)
        if module.split(".")[0] in later
    ]
    assert offenders == []


@pytest.mark.parametrize("app", APPS)
def test_views_and_the_api_open_no_transaction(app):
    """Transactions belong to services (`transaction.atomic(durable=True)` there)."""
    offenders = []
    for path, tree in _modules(app):
        relative = path.relative_to(ROOT / app).parts
        if relative[0] not in {"views", "views.py", "api"}:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "atomic":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("app", APPS)
def test_selectors_never_import_services(app):
    """`selectors.py` and the topic modules beside it (`selectors_<topic>.py`)."""
    offenders = []
    for path in [ROOT / app / "selectors.py", *sorted((ROOT / app).glob("selectors_*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [
            f"{path.name}: {m}"
            for m in _imported(tree)
            if ".services" in m or m.endswith("services")
        ]
    assert offenders == []


@pytest.mark.parametrize("app", APPS)
def test_every_app_has_the_same_rooms(app):
    missing = [
        room.format(app=app) for room in ROOMS if not (ROOT / app / room.format(app=app)).exists()
    ]
    models = ROOT / app / "models"
    if not (ROOT / app / "models.py").exists() and not (models / "__init__.py").exists():
        missing.append("models")
    assert missing == []


@pytest.mark.rule("R25")
@pytest.mark.parametrize("app", APPS)
def test_a_models_module_past_400_lines_is_split_by_document(app):
    path = ROOT / app / "models.py"
    if path.exists():
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 450


@pytest.mark.rule("R25")
def test_core_names_no_apps_page():
    """The menu, the badges and the home cards are registered by each app
    (core.navigation, core.home): core's code holds no URL name of another app."""
    from core import urls as core_urls
    from core.api import urls as core_api_urls

    core_names = {
        pattern.name
        for module in (core_urls, core_api_urls)
        for pattern in module.urlpatterns
        if getattr(pattern, "name", None)
    }
    app_url_names = (
        {name for name in get_resolver().reverse_dict if isinstance(name, str)}
        - core_names
        - {"login", "logout", "set_language"}
    )
    offenders = []
    for path, tree in _modules("core"):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value in app_url_names:
                offenders.append(f"{path.relative_to(ROOT)}: {node.value}")
    assert offenders == []
