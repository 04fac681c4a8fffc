"""Stock (R11, R13): kept by immutable moves, never negative — by the service under the row
lock and by the database; `GET stock/` per API.md."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from core.errors import InvalidInput, PermissionRefused, RuleViolation
from core.money import MAX_QUANTITY
from inventory.models import StockLevel, StockMove
from inventory.services import stock_adjust, stock_move_post
from tests.factories import ProductFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def keeper(make_user):
    return make_user("warehouse", username="wh.zheng")


@pytest.fixture
def item():
    return ProductFactory(), WarehouseFactory()


def level(product, warehouse) -> StockLevel:
    return StockLevel.objects.get(product=product, warehouse=warehouse)


def test_moves_change_the_stock_and_are_kept(keeper, item):
    product, warehouse = item
    with transaction.atomic():
        stock_move_post(
            actor=keeper,
            product_id=product.pk,
            warehouse_id=warehouse.pk,
            kind="receipt",
            quantity="10",
            reference="GR-1",
        )
    stock_adjust(
        actor=keeper,
        product_id=product.pk,
        warehouse_id=warehouse.pk,
        quantity="-2.5",
        reason="盘亏",
    )

    assert level(product, warehouse).on_hand == Decimal("7.500")
    assert list(StockMove.objects.order_by("id").values_list("kind", "quantity")) == [
        ("receipt", Decimal("10.000")),
        ("adjustment", Decimal("-2.500")),
    ]


def test_stock_never_goes_below_zero_and_nothing_is_written(keeper, item):
    product, warehouse = item
    stock_adjust(
        actor=keeper, product_id=product.pk, warehouse_id=warehouse.pk, quantity="3", reason="盘盈"
    )

    with pytest.raises(RuleViolation) as refused:
        stock_adjust(
            actor=keeper,
            product_id=product.pk,
            warehouse_id=warehouse.pk,
            quantity="-3.001",
            reason="盘亏",
        )

    assert refused.value.code == "insufficient_stock"
    assert level(product, warehouse).on_hand == Decimal("3.000")
    assert StockMove.objects.count() == 1


def test_the_database_itself_refuses_a_negative_stock(item):
    product, warehouse = item
    row = StockLevel.objects.create(product=product, warehouse=warehouse, on_hand=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(pk=row.pk).update(on_hand=-1)


def test_an_adjustment_needs_a_reason_and_a_quantity(keeper, item):
    product, warehouse = item

    with pytest.raises(InvalidInput) as refused:
        stock_adjust(
            actor=keeper, product_id=product.pk, warehouse_id=warehouse.pk, quantity="0", reason=" "
        )

    assert set(refused.value.errors) == {"quantity", "reason"}
    assert not StockMove.objects.exists()


def test_only_the_warehouse_adjusts_stock(clerk, item):
    product, warehouse = item

    with pytest.raises(PermissionRefused):
        stock_adjust(
            actor=clerk, product_id=product.pk, warehouse_id=warehouse.pk, quantity="5", reason="x"
        )

    assert not StockMove.objects.exists()


@pytest.mark.rule("R24")
def test_moves_are_immutable(keeper, item):
    product, warehouse = item
    move = stock_adjust(
        actor=keeper, product_id=product.pk, warehouse_id=warehouse.pk, quantity="1", reason="盘盈"
    )

    with pytest.raises(RuntimeError):
        move.save()
    with pytest.raises(RuntimeError):
        move.delete()


@pytest.mark.rule("R12")
def test_stock_api_lists_on_hand_reserved_available(api, keeper, item, make_user):
    product, warehouse = item
    stock_adjust(
        actor=keeper, product_id=product.pk, warehouse_id=warehouse.pk, quantity="12", reason="期初"
    )
    StockLevel.objects.filter(product=product).update(reserved=Decimal("2"))

    body = (
        api.as_user(make_user("sales_clerk"))
        .get(f"/api/v1/stock/?product={product.pk}&warehouse={warehouse.pk}")
        .json()
    )

    assert body["count"] == 1
    assert body["results"] == [
        {
            "product": product.pk,
            "warehouse": warehouse.pk,
            "on_hand": "12.000",
            "reserved": "2.000",
            "available": "10.000",
        }
    ]


@pytest.mark.rule("R25")
def test_stock_api_names_a_bad_filter(api, keeper):
    response = api.as_user(keeper).get("/api/v1/stock/?product=abc")

    assert response.status_code == 400
    assert "product" in response.json()["errors"]


def test_adjustment_api_refuses_taking_out_more_than_on_hand(api, keeper, item):
    product, warehouse = item

    response = api.as_user(keeper).post(
        "/api/v1/stock-adjustments/",
        {"product": product.pk, "warehouse": warehouse.pk, "quantity": "-1", "reason": "盘亏"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert not StockMove.objects.exists()


@pytest.mark.rule("R25")
def test_an_adjustment_beyond_what_the_database_holds_is_refused_naming_quantity(keeper, item):
    """MAX_QUANTITY (15 digits, what SQLite keeps exactly) bounds the adjustment and the stock it
    leads to: a 400 naming `quantity`, nothing written."""
    product, warehouse = item
    stock_adjust(
        actor=keeper, product_id=product.pk, warehouse_id=warehouse.pk, quantity="1", reason="期初"
    )
    for quantity in (MAX_QUANTITY + Decimal("0.001"), MAX_QUANTITY):  # itself, then the sum
        with pytest.raises(InvalidInput) as refused:
            stock_adjust(
                actor=keeper,
                product_id=product.pk,
                warehouse_id=warehouse.pk,
                quantity=quantity,
                reason="盘盈",
            )
        assert list(refused.value.errors) == ["quantity"]
    assert level(product, warehouse).on_hand == 1
    assert StockMove.objects.count() == 1


@pytest.mark.rule("R13")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_issues_against_the_last_stock_at_once_one_succeeds(make_user):
    keeper = make_user("warehouse")
    product, warehouse = ProductFactory(), WarehouseFactory()
    stock_adjust(
        actor=keeper, product_id=product.pk, warehouse_id=warehouse.pk, quantity="1", reason="期初"
    )
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def issue():
        try:
            start.wait()
            with transaction.atomic():
                stock_move_post(
                    actor=keeper,
                    product_id=product.pk,
                    warehouse_id=warehouse.pk,
                    kind="issue",
                    quantity="-1",
                )
            outcomes.append("issued")
        except RuleViolation as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["insufficient_stock", "issued"]
    assert level(product, warehouse).on_hand == Decimal("0.000")
