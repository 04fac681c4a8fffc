"""Customer and product services: R1, R2, R23, R25 at the service layer."""

from decimal import Decimal

import pytest

from core.errors import InvalidInput, NotVisible, PermissionRefused, RuleViolation
from sales import services
from sales.models import Contact, Customer, Product
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.rule("R1")
def test_new_customer_gets_r1_defaults_and_a_number(clerk):
    customer = services.customer_create(actor=clerk, name="上海华东机械有限公司")

    assert customer.credit_limit == Decimal("0.00")
    assert customer.credit_days == 0
    assert customer.risk_level == "high"
    assert customer.owner == clerk
    assert customer.code == "C00001"
    assert services.customer_create(actor=clerk, name="第二家").code == "C00002"


@pytest.mark.rule("R2", "R25")
@pytest.mark.parametrize(
    "field, value",
    [("credit_limit", Decimal("500000")), ("credit_days", 30), ("risk_level", "low")],
)
def test_create_with_a_credit_field_is_refused_and_writes_nothing(clerk, field, value):
    with pytest.raises(RuleViolation) as refused:
        services.customer_create(actor=clerk, name="某公司", **{field: value})

    assert refused.value.code == "credit_change_requires_approval"
    assert field in refused.value.errors
    assert not Customer.objects.exists()


@pytest.mark.rule("R2", "R25")
def test_update_with_a_credit_field_is_refused_and_changes_nothing(clerk):
    customer = CustomerFactory(owner=clerk, name="原名")

    with pytest.raises(RuleViolation) as refused:
        services.customer_update(
            actor=clerk, customer_id=customer.pk, name="新名", credit_limit=Decimal("1")
        )

    assert refused.value.code == "credit_change_requires_approval"
    customer.refresh_from_db()
    assert (customer.name, customer.credit_limit) == ("原名", Decimal("0.00"))


@pytest.mark.rule("R25")
def test_bad_input_names_each_field_and_writes_nothing(clerk):
    with pytest.raises(InvalidInput) as refused:
        services.customer_create(
            actor=clerk,
            name="",
            tax_id="abc",
            email="not-an-email",
            contacts=[{"name": "张伟", "email": "bad"}],
        )

    assert {"name", "tax_id", "email"} <= set(refused.value.errors)
    assert not Customer.objects.exists()
    assert not Contact.objects.exists()


def test_bad_contact_is_named_by_its_position_and_nothing_is_written(clerk):
    with pytest.raises(InvalidInput) as refused:
        services.customer_create(
            actor=clerk, name="好公司", contacts=[{"name": "张伟"}, {"name": "", "phone": "x"}]
        )

    assert "contacts.1.name" in refused.value.errors
    assert "contacts.1.phone" in refused.value.errors
    assert not Customer.objects.exists()


def test_duplicate_tax_id_is_refused_on_the_tax_id_field(clerk):
    services.customer_create(actor=clerk, name="甲", tax_id="91310000MA1FL0XX1A")

    with pytest.raises(InvalidInput) as refused:
        services.customer_create(actor=clerk, name="乙", tax_id="91310000MA1FL0XX1A")

    assert "tax_id" in refused.value.errors
    assert Customer.objects.count() == 1


def test_duplicate_code_is_refused_on_the_code_field(clerk):
    services.customer_create(actor=clerk, name="甲", code="K1")

    with pytest.raises(InvalidInput) as refused:
        services.customer_create(actor=clerk, name="乙", code="K1")

    assert "code" in refused.value.errors


def test_roles_without_customer_rights_cannot_create_customers(make_user):
    warehouse_keeper = make_user("warehouse")

    with pytest.raises(PermissionRefused):
        services.customer_create(actor=warehouse_keeper, name="某公司")

    assert not Customer.objects.exists()


def test_clerk_cannot_make_another_user_the_owner(clerk, make_user):
    other = make_user("sales_clerk")

    with pytest.raises(PermissionRefused) as refused:
        services.customer_create(actor=clerk, name="某公司", owner=other)

    assert "owner" in refused.value.errors
    assert not Customer.objects.exists()


def test_manager_assigns_the_owner(manager, clerk):
    customer = services.customer_create(actor=manager, name="某公司", owner=clerk)

    assert customer.owner == clerk


@pytest.mark.rule("R23")
def test_clerk_cannot_update_a_customer_of_another_clerk(clerk, make_user):
    customer = CustomerFactory(owner=make_user("sales_clerk"), name="原名")

    with pytest.raises(NotVisible):
        services.customer_update(actor=clerk, customer_id=customer.pk, name="新名")

    customer.refresh_from_db()
    assert customer.name == "原名"


def test_clerk_cannot_hand_own_customer_to_someone_else(clerk, make_user):
    customer = CustomerFactory(owner=clerk)

    with pytest.raises(PermissionRefused):
        services.customer_update(
            actor=clerk, customer_id=customer.pk, owner=make_user("sales_clerk")
        )

    customer.refresh_from_db()
    assert customer.owner == clerk


def test_update_replaces_contacts_when_given(clerk):
    customer = services.customer_create(
        actor=clerk, name="某公司", contacts=[{"name": "张伟"}, {"name": "王芳"}]
    )

    services.customer_update(actor=clerk, customer_id=customer.pk, contacts=[{"name": "刘洋"}])

    assert list(customer.contacts.values_list("name", flat=True)) == ["刘洋"]


def test_only_the_general_manager_maintains_products(clerk, gm):
    with pytest.raises(PermissionRefused):
        services.product_create(actor=clerk, code="P1", name="车床", unit="台")

    product = services.product_create(actor=gm, code="P1", name="车床", unit="台")

    assert product.tax_rate == Decimal("0.1300")
    assert Product.objects.count() == 1


def test_product_tax_rate_out_of_range_is_refused(gm):
    with pytest.raises(InvalidInput) as refused:
        services.product_create(actor=gm, code="P1", name="车床", unit="台", tax_rate="1.5")

    assert "tax_rate" in refused.value.errors
    assert not Product.objects.exists()


def test_superuser_counts_as_every_role(make_user):
    admin = make_user(is_superuser=True, is_staff=True)

    assert services.product_create(actor=admin, code="P1", name="车床", unit="台")
    assert services.customer_create(actor=admin, name="某公司").owner == admin


# --- import --------------------------------------------------------------------------------


def test_import_creates_and_updates_by_code(clerk):
    existing = CustomerFactory(owner=clerk, code="C1", name="旧名")

    result = services.customers_import(
        actor=clerk,
        rows=[{"code": "C1", "name": "新名"}, {"code": "", "name": "新客户", "tax_id": ""}],
    )

    assert (result.created, result.updated) == (1, 1)
    existing.refresh_from_db()
    assert existing.name == "新名"
    assert Customer.objects.filter(name="新客户", owner=clerk, risk_level="high").exists()


@pytest.mark.rule("R25")
def test_import_with_one_bad_row_writes_nothing_and_names_the_row(clerk):
    with pytest.raises(InvalidInput) as refused:
        services.customers_import(
            actor=clerk, rows=[{"name": "好的"}, {"name": "坏的", "tax_id": "abc"}]
        )

    assert "row 3: tax_id" in refused.value.errors
    assert not Customer.objects.exists()


@pytest.mark.rule("R2")
def test_import_refuses_changed_credit_columns_but_accepts_unchanged_ones(clerk):
    CustomerFactory(owner=clerk, code="C1", name="甲")
    unchanged = {
        "code": "C1",
        "name": "甲",
        "credit_limit": "0.00",
        "credit_days": "0",
        "risk_level": "high",
    }

    services.customers_import(actor=clerk, rows=[unchanged])
    with pytest.raises(RuleViolation) as refused:
        services.customers_import(actor=clerk, rows=[{**unchanged, "credit_limit": "90000"}])

    assert refused.value.code == "credit_change_requires_approval"
    assert "row 2: credit_limit" in refused.value.errors
    assert Customer.objects.get(code="C1").credit_limit == Decimal("0.00")


def test_product_import_is_all_or_nothing(gm):
    ProductFactory(code="P1", name="旧")

    with pytest.raises(InvalidInput):
        services.products_import(
            actor=gm,
            rows=[
                {"code": "P1", "name": "新", "unit": "台"},
                {"code": "P2", "name": "", "unit": ""},
            ],
        )

    assert Product.objects.get(code="P1").name == "旧"
    assert not Product.objects.filter(code="P2").exists()
