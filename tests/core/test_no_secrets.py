"""No secret in the repository (issue 16, item 6): no private key or cloud credential in any
tracked file, and what deploys the app (compose, Dockerfile, the production profile) takes its
secrets from the environment, with no default to fall back on."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = {
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36}\b"),
    "Slack token": re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
}


def _tracked() -> list[Path]:
    try:
        names = subprocess.run(
            ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / name for name in names]


def test_no_tracked_file_holds_a_key_or_token():
    found = []
    for path in _tracked():
        if not path.is_file() or path.suffix in {".mo", ".png", ".ttf", ".woff2", ".pdf"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found += [
            f"{path.relative_to(ROOT)}: {kind}" for kind, p in PATTERNS.items() if p.search(text)
        ]
    assert found == []


def test_compose_requires_its_secrets_from_the_environment():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "SECRET_KEY: ${SECRET_KEY:?" in compose
    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?" in compose
    assert not re.search(r"postgres://\w+:(?!\$\{)[^@]+@", compose)  # no password in a URL


def test_the_production_profile_has_no_default_secret_key():
    production = (ROOT / "config" / "settings" / "production.py").read_text()
    assert 'raise ImproperlyConfigured("SECRET_KEY must be set' in production
