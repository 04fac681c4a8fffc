"""Orders through REST (API.md `orders/`): entry priced from the active list (R5), submit with
the credit check (R4) and the chain (R7), cancel, visibility (R23) and refusals that write
nothing (R25)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.services import approval_decide
from sales.models import Customer, Order, OrderLine
from sales.services.orders import order_create, order_submit
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"


@pytest.fixture
def catalogue():
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    off_list = ProductFactory(code="P-9999", name="不在价格表")
    active_price_list(items=[(lathe, "168000.00", "150000.00"), (service, "5000.00", "4000.00")])
    return {"lathe": lathe, "service": service, "off_list": off_list}


@pytest.fixture
def customer(clerk):
    return CustomerFactory(owner=clerk, credit_limit=Decimal("1000000.00"))


def payload(customer, catalogue, *specs, **overrides) -> dict:
    specs = specs or (("lathe", "2", "160000.00"), ("service", "1.5", "4333.33"))
    body = {
        "customer": customer.pk,
        "lines": [
            {"product": catalogue[name].pk, "quantity": qty, "unit_price": price}
            for name, qty, price in specs
        ],
    }
    body.update(overrides)
    return body


def exposure(customer) -> Decimal:
    return Customer.objects.get(pk=customer.pk).exposure


def queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def draft(clerk, customer, catalogue, *specs) -> Order:
    return order_create(
        actor=clerk,
        customer_id=customer.pk,
        lines=payload(customer, catalogue, *specs)["lines"],
    )


# --- create ------------------------------------------------------------------------------------


def test_a_clerk_creates_a_draft_with_amounts_as_fixed_place_strings(
    api, clerk, customer, catalogue
):
    response = api.as_user(clerk).post(URL, payload(customer, catalogue), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("SO-")
    assert (body["status"], body["credit_status"], body["approval"]) == ("draft", "unchecked", None)
    assert (body["customer"], body["salesperson"]) == (customer.pk, "clerk.li")
    assert (body["net_amount"], body["tax_amount"], body["gross_amount"]) == (
        "326500.00",
        "41990.00",
        "368490.00",
    )
    assert body["first_payment_ratio"] == "0.3000"
    first, second = body["lines"]
    assert {k: first[k] for k in ("product", "quantity", "unit_price", "tax_rate")} == {
        "product": catalogue["lathe"].pk,
        "quantity": "2.000",
        "unit_price": "160000.00",
        "tax_rate": "0.1300",
    }
    assert (first["net"], first["tax"], first["gross"]) == ("320000.00", "41600.00", "361600.00")
    assert (second["net"], second["tax"], second["gross"]) == ("6500.00", "390.00", "6890.00")
    assert second["tax_rate"] == "0.0600"
    assert isinstance(first["id"], int)


@pytest.mark.rule("R15")
def test_a_given_tax_rate_and_first_payment_ratio_are_kept(api, clerk, customer, catalogue):
    body = payload(customer, catalogue, ("service", "1", "5000"), first_payment_ratio="0.5000")
    body["lines"][0]["tax_rate"] = "0.0900"

    response = api.as_user(clerk).post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["first_payment_ratio"] == "0.5000"
    assert response.json()["lines"][0]["tax"] == "450.00"
    assert response.json()["gross_amount"] == "5450.00"


@pytest.mark.parametrize("role", ["sales_manager", "general_manager", "finance", "warehouse"])
def test_roles_that_do_not_enter_orders_get_403_and_nothing_is_written(
    api, make_user, customer, catalogue, role
):
    response = api.as_user(make_user(role)).post(URL, payload(customer, catalogue), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Order.objects.exists()


@pytest.mark.rule("R25")
def test_bad_input_is_400_naming_each_field_and_nothing_is_written(api, clerk, customer, catalogue):
    body = {
        "customer": customer.pk,
        "lines": [
            {"product": catalogue["lathe"].pk, "quantity": "abc", "unit_price": "160000"},
            {"product": catalogue["lathe"].pk, "quantity": "1", "unit_price": "-5x"},
        ],
        "first_payment_ratio": "2",
    }

    response = api.as_user(clerk).post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert {"lines.0.quantity", "lines.1.unit_price"} <= set(response.json()["errors"])
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()


@pytest.mark.rule("R25")
def test_the_service_names_a_zero_quantity_and_an_unknown_product(api, clerk, customer, catalogue):
    body = {
        "customer": customer.pk,
        "lines": [
            {"product": catalogue["lathe"].pk, "quantity": "0", "unit_price": "160000"},
            {"product": 999999, "quantity": "1", "unit_price": "100"},
        ],
    }

    response = api.as_user(clerk).post(URL, body, format="json")

    assert response.status_code == 400
    assert {"lines.0.quantity", "lines.1.product"} <= set(response.json()["errors"])
    assert not Order.objects.exists()


def test_missing_customer_and_lines_are_named(api, clerk):
    response = api.as_user(clerk).post(URL, {}, format="json")

    assert response.status_code == 400
    assert {"customer", "lines"} <= set(response.json()["errors"])


@pytest.mark.rule("R25")
def test_no_lines_is_400_naming_lines(api, clerk, customer, catalogue):
    response = api.as_user(clerk).post(URL, {"customer": customer.pk, "lines": []}, format="json")

    assert response.status_code == 400
    assert "lines" in response.json()["errors"]
    assert not Order.objects.exists()


@pytest.mark.rule("R23", "R25")
def test_another_clerks_customer_is_400_naming_customer(
    api, clerk, make_user, catalogue
):  # R23: a body id that is not visible is a 400
    other = CustomerFactory(owner=make_user("sales_clerk"))

    response = api.as_user(clerk).post(URL, payload(other, catalogue), format="json")

    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    assert not Order.objects.exists()


@pytest.mark.rule("R5", "R25")
def test_a_price_below_the_floor_is_409_naming_the_line_price(api, clerk, customer, catalogue):
    body = payload(customer, catalogue, ("service", "1", "5000"), ("lathe", "1", "149999.99"))

    response = api.as_user(clerk).post(URL, body, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "below_floor_price"
    assert "lines.1.unit_price" in response.json()["errors"]
    assert not Order.objects.exists()


@pytest.mark.rule("R5", "R25")
def test_a_product_off_the_list_is_409_naming_the_line_product(api, clerk, customer, catalogue):
    body = payload(customer, catalogue, ("off_list", "1", "100"))

    response = api.as_user(clerk).post(URL, body, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "not_on_price_list"
    assert "lines.0.product" in response.json()["errors"]
    assert not Order.objects.exists()


# --- read --------------------------------------------------------------------------------------


def test_detail_shows_the_order(api, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)

    response = api.as_user(clerk).get(f"{URL}{order.pk}/")

    assert response.status_code == 200
    assert response.json()["number"] == order.number
    assert len(response.json()["lines"]) == 2


@pytest.mark.rule("R23")
def test_a_clerk_sees_only_orders_of_their_own_customers(api, clerk, make_user, catalogue):
    other_clerk = make_user("sales_clerk")
    mine = draft(clerk, CustomerFactory(owner=clerk), catalogue)
    theirs = draft(other_clerk, CustomerFactory(owner=other_clerk), catalogue)

    listed = api.as_user(clerk).get(URL).json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    assert api.as_user(clerk).get(f"{URL}{theirs.pk}/").status_code == 404
    response = api.as_user(clerk).post(f"{URL}{theirs.pk}/submit/")
    assert response.status_code == 404
    assert Order.objects.get(pk=theirs.pk).status == "draft"
    manager_view = api.as_user(make_user("sales_manager")).get(URL).json()
    assert manager_view["count"] == 2


def test_list_filters_on_customer_status_and_credit_status(api, clerk, customer, catalogue):
    second_customer = CustomerFactory(owner=clerk)  # limit 0: goes on hold
    passed = draft(clerk, customer, catalogue)
    order_submit(actor=clerk, order_id=passed.pk)
    held = draft(clerk, second_customer, catalogue, ("service", "1", "5000"))
    order_submit(actor=clerk, order_id=held.pk)
    still_draft = draft(clerk, customer, catalogue)
    client = api.as_user(clerk)

    def ids(**params):
        return {row["id"] for row in client.get(URL, params).json()["results"]}

    assert ids(customer=customer.pk) == {passed.pk, still_draft.pk}
    assert ids(status="draft") == {still_draft.pk}
    assert ids(credit_status="hold") == {held.pk}
    assert ids(status="submitted", credit_status="passed") == {passed.pk}


def test_list_is_paginated_and_its_query_count_does_not_grow_with_rows(
    api, clerk, catalogue, manager, django_assert_max_num_queries
):
    client = api.as_user(clerk)

    def make(n):
        for i in range(n):
            order = draft(clerk, CustomerFactory(owner=clerk, credit_limit=10**7), catalogue)
            if i % 2:
                order_submit(actor=clerk, order_id=order.pk)
                order.refresh_from_db()
                if i % 4 == 1:
                    approval_decide(
                        actor=manager, request_id=order.approval_request.pk, approve=True
                    )

    make(2)
    few = queries(lambda: client.get(URL))
    make(18)
    many = queries(lambda: client.get(URL))

    assert many == few
    with django_assert_max_num_queries(10):
        body = client.get(URL).json()
    assert body["count"] == 20
    assert len(body["results"]) == 20
    assert sum(1 for row in body["results"] if row["approval"]) == 10
    paged = client.get(URL, {"page_size": 5}).json()
    assert (len(paged["results"]), paged["next"] is not None) == (5, True)


# --- edit --------------------------------------------------------------------------------------


def test_the_salesperson_patches_a_draft_and_the_lines_are_replaced(
    api, clerk, customer, catalogue
):
    order = draft(clerk, customer, catalogue)

    response = api.as_user(clerk).patch(
        f"{URL}{order.pk}/",
        {"lines": [{"product": catalogue["service"].pk, "quantity": "2", "unit_price": "4500"}]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert [line["gross"] for line in response.json()["lines"]] == ["9540.00"]
    assert response.json()["gross_amount"] == "9540.00"
    assert OrderLine.objects.filter(order=order).count() == 1


def test_a_patch_without_lines_keeps_them(api, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)

    response = api.as_user(clerk).patch(f"{URL}{order.pk}/", {"note": "加急"}, format="json")

    assert response.status_code == 200
    assert (response.json()["note"], len(response.json()["lines"])) == ("加急", 2)


@pytest.mark.rule("R5", "R25")
def test_a_patch_below_the_floor_is_409_and_changes_nothing(api, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)

    response = api.as_user(clerk).patch(
        f"{URL}{order.pk}/",
        {"lines": [{"product": catalogue["lathe"].pk, "quantity": "1", "unit_price": "1.00"}]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "below_floor_price"
    assert "lines.0.unit_price" in response.json()["errors"]
    order.refresh_from_db()
    assert (order.gross_amount, order.lines.count()) == (Decimal("368490.00"), 2)


def test_patching_a_submitted_order_is_409_invalid_transition(api, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)
    order_submit(actor=clerk, order_id=order.pk)

    response = api.as_user(clerk).patch(
        f"{URL}{order.pk}/",
        {"lines": [{"product": catalogue["service"].pk, "quantity": "9", "unit_price": "5000"}]},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert order.lines.count() == 2


def test_a_patch_cannot_move_the_order_to_another_customer(api, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)
    other = CustomerFactory(owner=clerk)

    response = api.as_user(clerk).patch(f"{URL}{order.pk}/", {"customer": other.pk}, format="json")

    assert response.status_code == 400
    assert "customer" in response.json()["errors"]
    assert Order.objects.get(pk=order.pk).customer_id == customer.pk


def test_put_is_not_offered(api, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)

    response = api.as_user(clerk).put(
        f"{URL}{order.pk}/", payload(customer, catalogue), format="json"
    )

    assert response.status_code == 405


# --- submit and cancel ------------------------------------------------------------------------


@pytest.mark.rule("R4", "R7")
def test_submit_within_the_limit_passes_and_opens_the_sales_managers_step(
    api, clerk, customer, catalogue
):
    order = draft(clerk, customer, catalogue)

    response = api.as_user(clerk).post(f"{URL}{order.pk}/submit/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["credit_status"]) == ("submitted", "passed")
    assert body["approval"]["status"] == "pending"
    assert body["approval"]["current_steps"] == [{"sequence": 1, "role": "sales_manager"}]
    assert exposure(customer) == Decimal("368490.00")


@pytest.mark.rule("R4", "R7")
def test_submit_over_the_limit_goes_on_hold_with_the_credit_release_step(
    api, clerk, catalogue, manager
):
    customer = CustomerFactory(owner=clerk, credit_limit=Decimal("100000.00"))
    order = draft(clerk, customer, catalogue)

    body = api.as_user(clerk).post(f"{URL}{order.pk}/submit/").json()

    assert (body["status"], body["credit_status"]) == ("submitted", "hold")
    approval_decide(actor=manager, request_id=body["approval"]["id"], approve=True)
    after = api.as_user(clerk).get(f"{URL}{order.pk}/").json()
    assert after["approval"]["current_steps"] == [{"sequence": 2, "role": "credit_controller"}]


@pytest.mark.rule("R3")
def test_submitting_twice_is_409_and_the_exposure_counts_once(api, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)
    api.as_user(clerk).post(f"{URL}{order.pk}/submit/")

    response = api.as_user(clerk).post(f"{URL}{order.pk}/submit/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert exposure(customer) == Decimal("368490.00")


@pytest.mark.rule("R5", "R25")
def test_a_floor_raised_after_the_draft_refuses_the_submit_and_changes_nothing(
    api, clerk, customer, catalogue
):
    order = draft(clerk, customer, catalogue, ("service", "1", "4000.00"))
    active = order.price_list
    active.items.filter(product=catalogue["service"]).update(
        floor_price=Decimal("4500.00"), list_price=Decimal("5000.00")
    )

    response = api.as_user(clerk).post(f"{URL}{order.pk}/submit/")

    assert response.status_code == 409
    assert response.json()["code"] == "below_floor_price"
    assert "lines.0.unit_price" in response.json()["errors"]
    order.refresh_from_db()
    assert (order.status, order.credit_status) == ("draft", "unchecked")
    assert exposure(customer) == Decimal("0.00")


def test_only_the_salesperson_submits(api, clerk, customer, catalogue, make_user):
    order = draft(clerk, customer, catalogue)

    response = api.as_user(make_user("sales_manager")).post(f"{URL}{order.pk}/submit/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Order.objects.get(pk=order.pk).status == "draft"
    assert exposure(customer) == Decimal("0.00")


def test_cancel_a_draft(api, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)

    response = api.as_user(clerk).post(f"{URL}{order.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


@pytest.mark.rule("R3")
def test_cancelling_a_submitted_order_releases_its_exposure(api, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)
    api.as_user(clerk).post(f"{URL}{order.pk}/submit/")

    response = api.as_user(clerk).post(f"{URL}{order.pk}/cancel/")

    assert response.json()["status"] == "cancelled"
    assert response.json()["approval"]["status"] == "withdrawn"
    assert exposure(customer) == Decimal("0.00")


@pytest.mark.rule("R25")
def test_cancelling_an_approved_order_is_409_and_changes_nothing(
    api, clerk, customer, catalogue, manager, gm
):
    order = draft(clerk, customer, catalogue)
    approval = api.as_user(clerk).post(f"{URL}{order.pk}/submit/").json()["approval"]
    approval_decide(actor=manager, request_id=approval["id"], approve=True)
    approval_decide(actor=gm, request_id=approval["id"], approve=True)

    response = api.as_user(clerk).post(f"{URL}{order.pk}/cancel/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Order.objects.get(pk=order.pk).status == "approved"
    assert exposure(customer) == Decimal("368490.00")


@pytest.mark.rule("R7")
def test_r7_end_to_end_through_the_api(api, clerk, customer, catalogue, manager, gm):
    created = api.as_user(clerk).post(URL, payload(customer, catalogue), format="json").json()
    submitted = api.as_user(clerk).post(f"{URL}{created['id']}/submit/").json()
    approval_id = submitted["approval"]["id"]

    assert api.as_user(manager).post(f"/api/v1/approvals/{approval_id}/approve/").status_code == 200
    assert api.as_user(gm).post(f"/api/v1/approvals/{approval_id}/approve/").status_code == 200

    body = api.as_user(clerk).get(f"{URL}{created['id']}/").json()
    assert body["status"] == "approved"
    assert body["approval"]["status"] == "approved"
    assert [d["role"] for d in body["approval"]["decisions"]] == [
        "sales_manager",
        "general_manager",
    ]


def test_a_retried_create_with_the_same_idempotency_key_writes_one_order(
    api, clerk, customer, catalogue
):
    client = api.as_user(clerk)
    body = payload(customer, catalogue)

    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="order-1")
    other = client.post(
        URL,
        payload(customer, catalogue, ("service", "1", "5000")),
        format="json",
        HTTP_IDEMPOTENCY_KEY="order-1",
    )

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert other.status_code == 422
    assert Order.objects.count() == 1


def test_the_schema_describes_the_order_endpoints(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    assert {"/api/v1/orders/", "/api/v1/orders/{id}/submit/", "/api/v1/orders/{id}/cancel/"} <= set(
        schema["paths"]
    )


def test_the_lines_products_are_checked_in_one_query_however_many_lines(
    api, clerk, customer, catalogue
):
    """Every bad field at once without a query per line: the products of all lines are looked
    up together (core.api.fields.ReferenceField with `existing`)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    body = payload(customer, catalogue)
    body["lines"] = body["lines"] * 4  # eight lines, two products
    with CaptureQueriesContext(connection) as queries:
        response = api.as_user(clerk).post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    one_by_one = [
        q["sql"]
        for q in queries
        if 'FROM "sales_product" WHERE "sales_product"."id" = ' in q["sql"]
    ]
    assert one_by_one == []
    bad = dict(body, lines=[*body["lines"][:1], {**body["lines"][0], "product": 999999}])
    refused = api.as_user(clerk).post(URL, bad, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["lines.1.product"]
    assert Order.objects.count() == 1  # only the first, valid order
