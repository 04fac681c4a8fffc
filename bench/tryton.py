"""The peer: Tryton 8.2's own order-to-cash cycle, timed on this machine in the same run.

`../shared/peers/tryton/` (beside the checkout; `TRYTON_PEER_DIR` to point elsewhere) holds
`setup.sh` (a virtualenv in /tmp/tryton-venv, a private PostgreSQL on 127.0.0.1:5499 and a
template database with the sale, credit-limit, invoice, statement and commission modules) and
`o2c_bench.py`, which runs N cycles through trytond's server API: create, quote, confirm (credit
check), shipment assign/pick/pack/ship, invoice post, statement payment and post, with the
tasks each step queues. This module sets the peer up when needed, runs it and reads its figures.

    .venv/bin/python -m bench.tryton [--cycles 30]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEER = Path(os.environ.get("TRYTON_PEER_DIR", ROOT.parent / "shared" / "peers" / "tryton"))
PYTHON = Path("/tmp/tryton-venv/bin/python")
PGDATA = Path("/tmp/tryton-pg/data")


def available() -> bool:
    return (PEER / "o2c_bench.py").exists() and (PEER / "setup.sh").exists()


def _server_running() -> bool:
    pid = PGDATA / "postmaster.pid"
    if not pid.exists():
        return False
    try:
        os.kill(int(pid.read_text().split()[0]), 0)
    except (OSError, ValueError):
        return False
    return True


def ensure_setup(say=print) -> None:
    """Install the peer (first time: ~2 minutes) or start its PostgreSQL again."""
    if PYTHON.exists() and _server_running():
        return
    say("tryton: setting up the peer (../shared/peers/tryton/setup.sh --keep-db) …")
    subprocess.run(
        ["bash", str(PEER / "setup.sh"), "--keep-db"],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def parse(output: str) -> dict:
    """The figures of o2c_bench.py's cycle section: cycles/s and median/p95 per step."""
    found = re.search(r"cycles/second:\s*([\d.]+)\s+\(wall ([\d.]+)s\)", output)
    if not found:
        raise ValueError("no 'cycles/second' line in the peer's output")
    steps = {}
    section = output.split("order-to-cash cycles", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        row = re.match(r"^(\S+(?: cycle)?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", line)
        if row:
            steps[row[1]] = {"median": float(row[2]), "p95": float(row[3]), "min": float(row[4])}
    cycle = steps.pop("whole cycle")
    return {
        "cycles_per_second": float(found[1]),
        "wall_seconds": float(found[2]),
        "cycle": cycle,
        "steps": steps,
    }


def run(*, cycles: int = 30, lines: int = 3, warmup: int = 5, say=print) -> dict:
    ensure_setup(say)
    command = [
        str(PYTHON),
        str(PEER / "o2c_bench.py"),
        "--cycles",
        str(cycles),
        "--lines",
        str(lines),
        "--warmup",
        str(warmup),
        "--history",
        "",
        "--open-history",
        "",
    ]
    say(f"tryton: {cycles} cycles through trytond (o2c_bench.py) …")
    done = subprocess.run(command, cwd=PEER, capture_output=True, text=True, check=True)
    result = parse(done.stdout)
    result.update(
        {
            "cycles": cycles,
            "lines": lines,
            "command": "/tmp/tryton-venv/bin/python ../shared/peers/tryton/o2c_bench.py "
            f"--cycles {cycles} --lines {lines} --warmup {warmup} --history '' "
            "--open-history ''",
            "output": done.stdout,
        }
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--lines", type=int, default=3)
    args = parser.parse_args()
    if not available():
        sys.exit(f"The peer is not at {PEER}.")
    result = run(cycles=args.cycles, lines=args.lines)
    print(result["output"])
    print(f"parsed: {result['cycles_per_second']} cycles/s, {len(result['steps'])} steps")


if __name__ == "__main__":
    main()
