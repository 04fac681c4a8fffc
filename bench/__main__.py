"""Every benchmark, on PostgreSQL, in one run, with one table of figures beside their targets.

    .venv/bin/python -m bench                 # the full run (≈ 40 minutes on 2 cores)
    .venv/bin/python -m bench --quick         # small sizes: checks that everything runs
    .venv/bin/python -m bench --only cycle,tryton

The order-to-cash cycle (bench/cycle.py) through the services and through REST (gunicorn, one
client over HTTP), Tryton 8.2's own cycle on this machine right after it (bench/tryton.py) and
the ratios; concurrency under gunicorn with several workers (bench/concurrency.py); growth at
10 k, 100 k and 1 M orders (bench/growth.py); then the earlier benchmarks (inbox, orders,
aging, reconcile, receipts, fulfilment, commission) as they run alone. Each benchmark builds
its own database (the name contains "bench"; dropped and created again), seeds it in bulk with
a progress bar, and writes its full report to bench/results/<name>.txt; this command prints
the table and writes bench/RESULTS.md.

PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis at 127.0.0.1:6379 (db 15) by default;
`BENCH_PG` and `BENCH_REDIS` change them.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/15")

# The figures every full run must reach (issue 14 and the earlier issues).
SERVICES_RATIO = 40
REST_RATIO = 15


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S %Z')}] {message}", file=sys.stderr, flush=True)


def python_bench(module: str, args: list[str], database: str, extra_env: dict | None = None):
    """Run `python -m bench.<module> args` on its own database; return (seconds, stdout)."""
    env = dict(os.environ)
    env["DATABASE_URL"] = f"{PG}/{database}"
    env.pop("CELERY_BROKER_URL", None)
    env.update(extra_env or {})
    env["PYTHONPATH"] = str(ROOT)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"bench.{module} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - began, done.stdout


def figure(text: str, pattern: str, cast=float):
    found = re.search(pattern, text)
    return cast(found[1]) if found else None


# --- the rows of the table -----------------------------------------------------------------


class Table:
    def __init__(self):
        self.rows = []  # (section, figure, measured, target, met, command)
        self.run = ""  # the benchmark whose rows are being added
        self.runs = {}  # run → its rows

    def add(self, section, name, measured, target="", met=None, command=""):
        row = (section, name, measured, target, met, command)
        self.rows.append(row)
        self.runs.setdefault(self.run, []).append(row)

    def render_text(self) -> str:
        width = max(len(r[1]) for r in self.rows) + 2
        lines = [f"{'figure':<{width}}{'measured':>22}  {'target':<22}met"]
        section = None
        for sec, name, measured, target, met, _ in self.rows:
            if sec != section:
                lines.append(f"-- {sec}")
                section = sec
            mark = "" if met is None else ("yes" if met else "NO")
            lines.append(f"{name:<{width}}{measured:>22}  {target:<22}{mark}")
        return "\n".join(lines)

    def render_markdown(self) -> str:
        out = ["| section | figure | measured | target | met |", "|---|---|---|---|---|"]
        for sec, name, measured, target, met, _ in self.rows:
            mark = "" if met is None else ("yes" if met else "**no**")
            out.append(f"| {sec} | {name} | {measured} | {target} | {mark} |")
        return "\n".join(out)


# --- the sections ------------------------------------------------------------------------------


def run_cycle_and_tryton(table: Table, args, sections: dict) -> None:
    table.run = "cycle"
    cycles = 20 if args.quick else args.cycles
    command = f".venv/bin/python -m bench.cycle --cycles {cycles} --rest http --broker {REDIS}"
    say(f"cycle: {command}")
    seconds, out = python_bench(
        "cycle",
        ["--cycles", str(cycles), "--rest", "http", "--broker", REDIS, "--json"],
        "o2c_bench_cycle",
    )
    text, _, raw = out.partition("\nJSON ")
    ours = json.loads(raw)
    sections["cycle"] = {"command": command, "text": text, "seconds": seconds}
    (RESULTS / "cycle.txt").write_text(text)
    peer = None
    if "tryton" in args.sections:
        from bench import tryton

        if tryton.available():
            peer = tryton.run(cycles=5 if args.quick else args.tryton_cycles, say=say)
            sections["tryton"] = peer
            (RESULTS / "tryton.txt").write_text(peer["output"])
        else:
            say("tryton: the peer is not beside the checkout; no ratio")
    for path, label, ratio in (
        ("services", "services", SERVICES_RATIO),
        ("rest", "REST", REST_RATIO),
    ):
        result = ours[path]
        sec = f"cycle ({label})"
        table.add(
            sec,
            "cycles/s (caller)",
            f"{result['cycles_per_second']:.2f}",
            f"≥ {ratio} × Tryton" if peer else "",
            None,
            command,
        )
        if "drained_per_second" in result:
            table.add(
                sec, "cycles/s incl. the worker's tasks", f"{result['drained_per_second']:.2f}"
            )
        table.add(
            sec,
            "cycle p50 / p95 ms",
            f"{result['cycle']['median']:.0f} / {result['cycle']['p95']:.0f}",
        )
        if peer:
            measured = result["cycles_per_second"] / peer["cycles_per_second"]
            table.add(
                sec, "ratio to Tryton", f"{measured:.1f} ×", f"≥ {ratio} ×", measured >= ratio
            )
            if "drained_per_second" in result:
                drained = result["drained_per_second"] / peer["cycles_per_second"]
                table.add(
                    sec,
                    "ratio incl. the worker's tasks",
                    f"{drained:.1f} ×",
                    f"≥ {ratio} ×",
                    drained >= ratio,
                )
    if peer:
        table.add(
            "Tryton 8.2 (peer)",
            "cycles/s",
            f"{peer['cycles_per_second']:.2f}",
            command=peer["command"],
        )
        table.add(
            "Tryton 8.2 (peer)",
            "cycle p50 / p95 ms",
            f"{peer['cycle']['median']:.0f} / {peer['cycle']['p95']:.0f}",
        )


def run_legacy(table: Table, args, sections: dict) -> None:
    """The earlier issues' benchmarks, each alone, with the figure its issue asked for."""
    quick = args.quick
    plans = [
        (
            "inbox",
            ["--pending", "1000" if quick else "10000", "--runs", "10" if quick else "50"],
            [
                (
                    "inbox first page (selector) ms",
                    r"first page \(selector\) median ([\d.]+) ms",
                    "≤ 50",
                    lambda v: v <= 50,
                )
            ],
        ),
        (
            "orders",
            [
                "--runs",
                "20" if quick else "200",
                "--check-runs",
                "10" if quick else "60",
                "--large",
                "20000" if quick else "1000000",
            ],
            [
                (
                    "order submit 1 M / 1 k past orders",
                    r"order_submit [\d,]+ / [\d,]+: ([\d.]+)",
                    "≤ 1.2",
                    lambda v: v <= 1.2,
                )
            ],
        ),
        (
            "aging",
            [
                "--dues",
                "50000" if quick else "1000000",
                "--contracts",
                "2000" if quick else "20000",
                "--runs",
                "3" if quick else "7",
            ],
            [
                (
                    "aging report, 1 M dues, ms",
                    r"aging_report\(gm\): every customer\s+([\d.]+)",
                    "≤ 2000",
                    lambda v: v <= 2000,
                )
            ],
        ),
        (
            "reconcile",
            ["--contracts", "5000" if quick else "100000"],
            [
                (
                    "month-end reconcile 100 k contracts, s",
                    r"first run\s+[\d.]+\s+([\d.]+)",
                    "≤ 60",
                    lambda v: v <= 60,
                )
            ],
        ),
        (
            "receipts",
            ["--receipts", "30" if quick else "300"],
            [
                (
                    "receipt with 3 allocations, median ms",
                    r"per receipt: median ([\d.]+) ms",
                    "≤ 30",
                    lambda v: v <= 30,
                )
            ],
        ),
        (
            "fulfilment",
            ["--notices", "30" if quick else "300", "--moves", "5000" if quick else "100000"],
            [
                (
                    "notices issued per second",
                    r"issue \(shipping_notice_issue\):\s+([\d.]+) notices/s",
                    "",
                    None,
                )
            ],
        ),
        (
            "commission",
            ["--salespeople", "20" if quick else "200", "--runs", "2" if quick else "5"],
            [
                (
                    "commission slips, 200 salespeople, s",
                    r"creating every slip:\s+median ([\d.]+)",
                    "≤ 10",
                    lambda v: v <= 10,
                )
            ],
        ),
    ]
    for name, bench_args, figures in plans:
        if name not in args.sections:
            continue
        command = f".venv/bin/python bench/{name}.py {' '.join(bench_args)}"
        table.run = name
        say(f"{name}: {command}")
        seconds, out = python_bench(name, bench_args, f"o2c_bench_{name}")
        sections[name] = {"command": command, "text": out, "seconds": seconds}
        for label, pattern, target, check in figures:
            value = figure(out, pattern)
            table.add(
                name,
                label,
                "—" if value is None else f"{value:g}",
                target,
                None if (check is None or value is None) else check(value),
                command,
            )


def run_concurrency(table: Table, args, sections: dict) -> None:
    table.run = "concurrency"
    bench_args = ["--clients", "8", "--per-client", "5" if args.quick else "40"]
    command = f".venv/bin/python -m bench.concurrency {' '.join(bench_args)}"
    say(f"concurrency: {command}")
    seconds, out = python_bench(
        "concurrency",
        bench_args,
        "o2c_bench_concurrency",
        {"CELERY_BROKER_URL": REDIS},
    )
    sections["concurrency"] = {"command": command, "text": out, "seconds": seconds}
    hot = figure(out, r"\(a\) ([\d.]+) orders/s for one hot customer")
    table.add(
        "concurrency",
        "8 clients, one hot customer: orders/s (REST)",
        f"{hot:g}" if hot is not None else "—",
        "≥ 200",
        hot is not None and hot >= 200,
        command,
    )
    submits = figure(out, r"\(a\) submits only \(drafts made before\): ([\d.]+) orders submitted/s")
    table.add(
        "concurrency",
        "8 clients, one hot customer: submits only (drafts made before), orders/s",
        f"{submits:g}" if submits is not None else "—",
        "≥ 200",
        submits is not None and submits >= 200,
        command,
    )
    floor = re.search(r"GET /healthz ([\d.]+)/s, an authenticated REST detail read ([\d.]+)/s", out)
    table.add(
        "concurrency",
        "the stack's floor, 8 clients: GET /healthz / authenticated REST detail, requests/s",
        f"{floor[1]} / {floor[2]}" if floor else "—",
    )
    one = figure(out, r"\(b\) orders, 1 client\s+1\s+\d+\s+([\d.]+)")
    many = figure(out, r"\(b\) ([\d.]+) orders/s with \d+ customers")
    scale = figure(out, r"customers = ([\d.]+) × one client")
    table.add("concurrency", "1 client: orders/s", f"{one:g}" if one is not None else "—")
    table.add(
        "concurrency", "8 clients, 8 customers: orders/s", f"{many:g}" if many is not None else "—"
    )
    cores = os.cpu_count() or 1
    table.add(
        "concurrency",
        "8 customers / 1 client",
        f"{scale:g} ×" if scale else "—",
        f"scales with the {cores} cores",
        None,
    )
    waits = re.search(r"lock waits sampled: (\d+) of (\d+) samples", out)
    table.add(
        "concurrency",
        "parallel approvals: samples waiting on a lock",
        f"{waits[1]} of {waits[2]}" if waits else "—",
        "0",
        bool(waits) and waits[1] == "0",
    )
    checked = "→ OK" in out.split("after (a):", 1)[-1].split("\n", 1)[0]
    table.add(
        "concurrency",
        "hot customer: exposure = R3 from rows, limit kept",
        "yes" if checked else "no",
        "yes",
        checked,
    )


def run_growth(table: Table, args, sections: dict) -> None:
    table.run = "growth"
    sizes = "2000,10000" if args.quick else "10000,100000,1000000"
    bench_args = ["--sizes", sizes, "--runs", "5" if args.quick else "30", "--quiet"]
    command = f".venv/bin/python -m bench.growth {' '.join(bench_args)}"
    say(f"growth: {command}")
    seconds, out = python_bench("growth", bench_args, "o2c_bench_growth")
    sections["growth"] = {"command": command, "text": out, "seconds": seconds}
    for line in out.splitlines():
        row = re.match(r"^(\S.*?\S)\s{2,}[\d.]+ /.*\s([\d.]+) (ok|OVER)$", line)
        if row:
            table.add(
                "growth",
                f"{row[1]}: largest / smallest",
                f"{float(row[2]):.2f}",
                "≤ 1.2",
                row[3] == "ok",
                command,
            )
        per_k = re.findall(r"([\d,]+): ([\d.]+) ms/1k \((\d+) q\)", line)
        if per_k:
            name = line.strip().split("  ")[0]
            measured = " → ".join(f"{ms}" for _, ms, _ in per_k) + " ms per 1 k orders"
            queries = {q for _, _, q in per_k}
            table.add(
                "growth",
                f"{name} (report)",
                measured,
                "linear, queries constant",
                len(queries) == 1,
                command,
            )


def write_results(table: Table, sections: dict, started: str, args) -> Path:
    """RESULTS.md from every benchmark's latest run: the runs of this command replace their
    own earlier figures in bench/results/table.json, the others are kept with their date."""
    from bench.inbox import machine, postgres_facts

    store = RESULTS / ("table.quick.json" if args.quick else "table.json")
    stored = json.loads(store.read_text()) if store.exists() else {}
    texts = {
        name: (section.get("text") or section.get("output") or "")
        for name, section in sections.items()
        if isinstance(section, dict)
    }
    for run, rows in table.runs.items():
        stored[run] = {
            "when": started,
            "command": rows[0][5] if rows else "",
            "rows": [list(r) for r in rows],
            "texts": {n: texts[n] for n in texts if n == run or (run == "cycle" and n == "tryton")},
            "machine": machine(),
            "postgres": postgres_facts(),
        }
    store.write_text(json.dumps(stored, ensure_ascii=False, indent=1, default=str))
    merged = Table()
    for run in ALL:
        for row in stored.get(run, {}).get("rows", []):
            merged.add(*row)
    first = next(iter(stored.values()))
    lines = [
        "# Benchmark results",
        "",
        "All on PostgreSQL, each benchmark on its own fresh database, by `.venv/bin/python -m "
        "bench` (bench/README.md). The table below is the latest run of each benchmark; the "
        "dates and commands of the runs follow it.",
        "",
        f"Machine: {first['machine']}; PostgreSQL: {first['postgres']}.",
        "",
        merged.render_markdown(),
        "",
        "## Runs",
        "",
    ]
    for run in ALL:
        if run in stored:
            lines.append(f"- {run}: {stored[run]['when']} — `{stored[run]['command']}`")
    lines.append("")
    for run in ALL:
        for name, body in stored.get(run, {}).get("texts", {}).items():
            if name in ("cycle", "tryton", "concurrency", "growth") and body:
                lines += [f"## {name}", "", "```", body.strip(), "```", ""]
    others = [n for n in stored if n not in ("cycle", "concurrency", "growth")]
    if others:
        lines += [
            "The other benchmarks' full reports: "
            + ", ".join(f"`bench/results/{n}.txt`" for n in others)
            + ".",
            "",
        ]
    path = ROOT / "bench" / ("RESULTS.quick.md" if args.quick else "RESULTS.md")
    # What is written by hand below the marker (what was slow and why) is kept.
    marker = "<!-- notes: kept by python -m bench -->"
    notes = (
        path.read_text().split(marker, 1)[1] if path.exists() and marker in path.read_text() else ""
    )
    path.write_text("\n".join(lines) + "\n" + marker + notes)
    return path


ALL = (
    "cycle",
    "tryton",
    "concurrency",
    "growth",
    "inbox",
    "orders",
    "aging",
    "reconcile",
    "receipts",
    "fulfilment",
    "commission",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check it runs")
    parser.add_argument("--only", default=",".join(ALL), help="comma-separated sections")
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--tryton-cycles", type=int, default=30)
    args = parser.parse_args()
    args.sections = [s for s in args.only.split(",") if s]
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DATABASE_URL", f"{PG}/o2c_bench_cycle")
    RESULTS.mkdir(exist_ok=True)
    started = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    table, sections = Table(), {}
    try:
        if "cycle" in args.sections:
            run_cycle_and_tryton(table, args, sections)
        if "concurrency" in args.sections:
            run_concurrency(table, args, sections)
        if "growth" in args.sections:
            run_growth(table, args, sections)
        run_legacy(table, args, sections)
    finally:
        # What finished is kept even when a later benchmark fails.
        if table.rows:
            print(table.render_text())
            import django

            django.setup()
            path = write_results(table, sections, started, args)
            say(f"written {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
