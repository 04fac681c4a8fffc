"""docs/RULES.md is the map from each business rule (R1–R27) to the code that enforces it and
the tests that prove it. These tests keep the map true: a function, class or test named in it
must exist, every rule has one row, and a rule that is built (or partly built) has at least one
test marked `@pytest.mark.rule("Rn")`."""

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "docs" / "RULES.md"
RULE_NUMBERS = [f"R{n}" for n in range(1, 28)]
_REF = re.compile(r"`([^`]+)`")


def rule_rows(text: str) -> dict[str, dict]:
    """{"R4": {"status": ..., "refs": [...], "tests": [...]}} from the markdown table."""
    rows: dict[str, dict] = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 6 or not re.fullmatch(r"R\d+", cells[0]):
            continue
        rule, _words, status, enforced, read, proved = cells
        if rule in rows:
            raise AssertionError(f"{rule} has two rows")
        rows[rule] = {
            "status": status,
            "refs": _REF.findall(enforced) + _REF.findall(read),
            "tests": _REF.findall(proved),
        }
    return rows


def resolve(dotted: str) -> bool:
    """True when `dotted` names an importable module attribute (module.attr[.attr…])."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                target = getattr(target, name)
        except AttributeError:
            return False
        return True
    return False


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def test_exists(test_id: str, root: Path = ROOT) -> bool:
    file, _, name = test_id.partition("::")
    path = root / file
    return path.is_file() and name in _test_functions(path)


test_exists.__test__ = False  # a helper, not a test


def _rule_args(node: ast.AST) -> list[str]:
    """The rule numbers of `pytest.mark.rule("R4", "R12")` calls inside `node`."""
    found = []
    for call in ast.walk(node):
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "rule"
            and isinstance(call.func.value, ast.Attribute)
            and call.func.value.attr == "mark"
        ):
            found += [a.value for a in call.args if isinstance(a, ast.Constant)]
    return found


def marked_tests(root: Path = ROOT / "tests") -> dict[str, set[str]]:
    """{"R4": {"tests/sales/test_orders.py::test_…", …}}: every test carrying the rule's marker,
    on the function, its class or the module's `pytestmark`."""
    marked: dict[str, set[str]] = {}
    for path in sorted(root.rglob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_rules = []
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in node.targets
            ):
                module_rules += _rule_args(node.value)
        relative = path.relative_to(root.parent).as_posix()

        def visit(body, inherited, relative=relative):
            for node in body:
                if isinstance(node, ast.ClassDef):
                    own = [r for d in node.decorator_list for r in _rule_args(d)]
                    visit(node.body, inherited + own, relative)
                elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    if not node.name.startswith("test"):
                        continue
                    rules = inherited + [r for d in node.decorator_list for r in _rule_args(d)]
                    for rule in rules:
                        marked.setdefault(rule, set()).add(f"{relative}::{node.name}")

        visit(tree.body, module_rules)
    return marked


def rule_map_problems(text: str, *, marked: dict[str, set[str]], root: Path = ROOT) -> list[str]:
    rows = rule_rows(text)
    problems = [f"{rule} has no row" for rule in RULE_NUMBERS if rule not in rows]
    problems += [f"{rule} is not a rule of DESIGN" for rule in rows if rule not in RULE_NUMBERS]
    for rule, row in rows.items():
        built = not row["status"].startswith("not built")
        for ref in row["refs"]:
            if not resolve(ref):
                problems.append(f"{rule}: {ref} does not exist")
        for test_id in row["tests"]:
            if not test_exists(test_id, root):
                problems.append(f"{rule}: test {test_id} does not exist")
        if built and not row["refs"]:
            problems.append(f"{rule} is {row['status']} but names no code")
        if built and not row["tests"]:
            problems.append(f"{rule} is {row['status']} but names no test")
        if built and not marked.get(rule):
            problems.append(f'{rule} is {row["status"]} but no test is marked rule("{rule}")')
    return problems


@pytest.mark.rule("R25")
def test_the_rule_map_names_only_code_and_tests_that_exist_and_every_built_rule_is_proved():
    problems = rule_map_problems(RULES.read_text(encoding="utf-8"), marked=marked_tests())
    assert problems == []


def test_every_rule_marker_names_a_rule_of_design():
    unknown = {rule for rule in marked_tests() if rule not in RULE_NUMBERS}
    assert unknown == set()


def test_the_rule_map_check_fails_when_a_named_function_is_renamed():
    text = RULES.read_text(encoding="utf-8").replace(
        "`sales.services.orders.order_submit`", "`sales.services.orders.order_submit_renamed`"
    )
    problems = rule_map_problems(text, marked=marked_tests())
    assert "R3: sales.services.orders.order_submit_renamed does not exist" in problems


def test_the_rule_map_check_fails_when_a_named_test_is_gone_or_a_built_rule_is_unmarked():
    text = RULES.read_text(encoding="utf-8").replace(
        "tests/sales/test_orders.py::test_a_price_below_the_floor_is_refused",
        "tests/sales/test_orders.py::test_a_price_below_the_floor_is_gone",
    )
    marked = {rule: tests for rule, tests in marked_tests().items() if rule != "R5"}
    problems = rule_map_problems(text, marked=marked)
    assert (
        "R5: test tests/sales/test_orders.py::test_a_price_below_the_floor_is_gone does not exist"
        in problems
    )
    assert 'R5 is built but no test is marked rule("R5")' in problems
