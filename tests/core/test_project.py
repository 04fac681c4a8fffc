"""The project's own promises: deploy checks, dependencies, roles, demo data."""

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from core.roles import Role

ROOT = Path(__file__).resolve().parents[2]


def test_production_profile_passes_check_deploy_with_no_warning(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x7#kQ9v!pL2m@Wz4rT8e$Yb6uN1c^Hs3dF5g&Jk0aZq*Xw-Ev+Rt=Yu(Io)Pa",
        "ALLOWED_HOSTS": "o2c.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_profile_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    env.pop("SECRET_KEY", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_django_fsm_comes_from_django_fsm_2_and_plain_django_fsm_is_absent():
    import django_fsm

    assert importlib.metadata.version("django-fsm-2")
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("django-fsm")
    assert importlib.metadata.packages_distributions()["django_fsm"] == ["django-fsm-2"]
    assert django_fsm.FSMField


def test_constraints_file_forbids_plain_django_fsm():
    lines = (ROOT / "constraints.txt").read_text().splitlines()

    assert "django-fsm<0" in [line.strip() for line in lines]


@pytest.mark.django_db
def test_every_role_of_the_design_exists_as_a_group():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    assert len(Role.values) == 14


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_gives_one_user_per_role():
    from django.contrib.auth import get_user_model

    from inventory.models import Warehouse
    from sales.models import Customer, Product

    call_command("seed_demo", verbosity=0)
    counts = [
        get_user_model().objects.count(),
        Customer.objects.count(),
        Product.objects.count(),
        Warehouse.objects.count(),
    ]
    call_command("seed_demo", verbosity=0)

    assert [
        get_user_model().objects.count(),
        Customer.objects.count(),
        Product.objects.count(),
        Warehouse.objects.count(),
    ] == counts
    for role in Role.values:
        assert Group.objects.get(name=role).user_set.exists(), role
    clerk = get_user_model().objects.get(username="clerk")
    assert clerk.check_password("o2c-demo-2026")
    assert all(c.credit_limit == 0 and c.risk_level == "high" for c in Customer.objects.all())


@pytest.mark.rule("R10", "R13")
@pytest.mark.django_db
def test_the_fulfilment_demo_fills_every_role_page_once():
    """`seed_demo` (what `scripts/run` loads) ends with it, after each app's own seed: one
    contract through R10–R13 by the demo users; alone, before the sales and inventory seeds, it
    refuses; a second run changes nothing."""
    from contracts.models import Contract
    from inventory.models import GoodsReceipt, ProductionNotice, ShippingNotice, StockLevel

    with pytest.raises(CommandError):
        call_command("seed_demo_fulfilment", verbosity=0)
    call_command("seed_demo_sales", verbosity=0)
    with pytest.raises(CommandError):  # the warehouse is inventory's seed
        call_command("seed_demo_fulfilment", verbosity=0)
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo_fulfilment", verbosity=0)
    call_command("seed_demo", verbosity=0)

    assert list(Contract.objects.values_list("status", flat=True)) == ["active"]
    assert list(ProductionNotice.objects.values_list("status", flat=True)) == ["released"]
    assert list(GoodsReceipt.objects.values_list("status", flat=True)) == ["posted"]
    assert sorted(ShippingNotice.objects.values_list("status", flat=True)) == [
        "approved",
        "shipped",
    ]
    level = StockLevel.objects.get(product__code="P-1001")
    assert (level.on_hand, level.reserved) == (2, 2)
