"""Order pages: entry for clerks with live totals and the credit panel (htmx), the list, one
order with its approval and history, the author's buttons; R5 refusals beside the line's
field, R23 visibility, R25 nothing written, bounded query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.services import approval_decide
from sales.models import Customer, Order
from sales.services.orders import order_create, order_submit
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    off_list = ProductFactory(code="P-9999", name="不在价格表")
    active_price_list(items=[(lathe, "168000.00", "150000.00"), (service, "5000.00", "4000.00")])
    return {"lathe": lathe, "service": service, "off_list": off_list}


@pytest.fixture
def customer(clerk):
    return CustomerFactory(
        owner=clerk, name="上海华东机械有限公司", credit_limit=Decimal("1000000")
    )


def form_data(customer, rows, *, action="save", total=5, **extra) -> dict:
    data = {
        "customer": customer.pk if customer else "",
        "first_payment_ratio": "30",
        "note": "",
        "action": action,
        "lines-TOTAL_FORMS": str(total),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for index, (product, quantity, price) in enumerate(rows):
        data[f"lines-{index}-product"] = product.pk if product else ""
        data[f"lines-{index}-quantity"] = quantity
        data[f"lines-{index}-unit_price"] = price
    data.update(extra)
    return data


def queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def draft(clerk, customer, catalogue, price="160000.00") -> Order:
    return order_create(
        actor=clerk,
        customer_id=customer.pk,
        lines=[{"product": catalogue["lathe"].pk, "quantity": "1", "unit_price": price}],
    )


# --- entry -------------------------------------------------------------------------------------


def test_the_new_order_form_offers_my_customers_and_the_active_list_with_empty_rows(
    client, clerk, customer, catalogue, make_user
):
    CustomerFactory(owner=make_user("sales_clerk"), name="别人的客户")
    client.force_login(clerk)

    response = client.get("/orders/new/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "上海华东机械有限公司" in html and "别人的客户" not in html
    assert "P-1001 数控车床 — list 168000.00, floor 150000.00" in html
    assert "P-9999" not in html
    assert 'data-list-price="168000.00"' in html
    assert len(response.context["formset"].forms) == 5
    assert 'name="customer"' in html and "autofocus" in html
    assert 'accesskey="s"' in html and 'accesskey="u"' in html
    assert 'hx-post="/orders/totals/"' in html


@pytest.mark.parametrize("role", ["sales_manager", "general_manager", "finance"])
def test_roles_that_do_not_enter_orders_are_refused_the_form(client, make_user, role, catalogue):
    client.force_login(make_user(role))

    assert client.get("/orders/new/").status_code == 403


def test_save_draft_creates_the_order_with_the_list_price_as_default(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)
    data = form_data(
        customer,
        [(catalogue["lathe"], "2", "160000.00"), (catalogue["service"], "1.5", "")],
    )

    response = client.post("/orders/new/", data)

    order = Order.objects.get()
    assert response.status_code == 302 and response.url == f"/orders/{order.pk}/"
    assert order.status == "draft"
    assert [(line.unit_price, line.gross) for line in order.lines.all()] == [
        (Decimal("160000.00"), Decimal("361600.00")),
        (Decimal("5000.00"), Decimal("7950.00")),
    ]
    assert order.gross_amount == Decimal("369550.00")


@pytest.mark.rule("R4")
def test_save_and_submit_runs_the_credit_check(client, clerk, customer, catalogue):
    client.force_login(clerk)

    response = client.post(
        "/orders/new/", form_data(customer, [(catalogue["lathe"], "1", "")], action="submit")
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.status, order.credit_status) == ("submitted", "passed")
    assert Customer.objects.get(pk=customer.pk).exposure == Decimal("189840.00")


@pytest.mark.rule("R5")
def test_a_price_below_the_floor_is_shown_beside_the_lines_price_and_nothing_is_written(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)
    data = form_data(
        customer,
        [(catalogue["service"], "1", "5000"), (None, "", ""), (catalogue["lathe"], "1", "100")],
        action="submit",
    )

    response = client.post("/orders/new/", data)

    assert response.status_code == 400
    row = response.context["formset"].forms[2]
    assert row.errors["unit_price"] == ["At least 150,000.00."]
    assert "below its floor price" in " ".join(response.context["form"].non_field_errors())
    assert 'id="id_lines-2-unit_price_error"' in response.content.decode()
    assert not Order.objects.exists()
    assert Customer.objects.get(pk=customer.pk).exposure == Decimal("0.00")


@pytest.mark.rule("R25")
def test_bad_input_is_shown_beside_each_field_and_nothing_is_written(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)
    data = form_data(
        None,
        [
            (catalogue["lathe"], "abc", "160000"),
            (catalogue["service"], "0", "5000"),
            (None, "3", ""),
        ],
    )

    response = client.post("/orders/new/", data)

    assert response.status_code == 400
    forms = response.context["formset"].forms
    assert "customer" in response.context["form"].errors
    assert "quantity" in forms[0].errors
    assert "product" in forms[2].errors
    assert not Order.objects.exists()


def test_a_zero_quantity_refused_by_the_service_is_shown_beside_the_line(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)

    response = client.post(
        "/orders/new/", form_data(customer, [(None, "", ""), (catalogue["lathe"], "0", "160000")])
    )

    assert response.status_code == 400
    assert "quantity" in response.context["formset"].forms[1].errors
    assert not Order.objects.exists()


def test_an_order_with_no_line_is_refused(client, clerk, customer, catalogue):
    client.force_login(clerk)

    response = client.post("/orders/new/", form_data(customer, []))

    assert response.status_code == 400
    assert "Add at least one line." in response.content.decode()
    assert not Order.objects.exists()


@pytest.mark.rule("R23")
def test_another_clerks_customer_cannot_be_chosen(client, clerk, catalogue, make_user):
    other = CustomerFactory(owner=make_user("sales_clerk"))
    client.force_login(clerk)

    response = client.post("/orders/new/", form_data(other, [(catalogue["lathe"], "1", "")]))

    assert response.status_code == 400
    assert "customer" in response.context["form"].errors
    assert not Order.objects.exists()


def test_live_totals_are_computed_by_the_server_with_the_money_rules(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)
    data = form_data(
        customer,
        [
            (catalogue["lathe"], "2", "160000.00"),
            (catalogue["service"], "1.5", "4333.33"),
            (catalogue["service"], "x", "1"),  # not yet a number: skipped
            (None, "", ""),
        ],
    )

    response = client.post("/orders/totals/", data, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<strong id="order-gross">368,490.00</strong>' in html
    assert '<td class="num" id="order-tax">41,990.00</td>' in html
    assert [row["gross"] for row in response.context["totals"]["rows"]] == [
        Decimal("361600.00"),
        Decimal("6890.00"),
    ]
    assert not Order.objects.exists()


def test_live_totals_use_the_list_price_when_the_price_is_empty(client, clerk, catalogue):
    client.force_login(clerk)

    response = client.post(
        "/orders/totals/", form_data(None, [(catalogue["service"], "2", "")], total=1)
    )

    assert response.context["totals"]["gross"] == Decimal("10600.00")


@pytest.mark.rule("R4")
def test_the_credit_panel_shows_the_chosen_customers_position(
    client, clerk, customer, catalogue, make_user
):
    order_submit(actor=clerk, order_id=draft(clerk, customer, catalogue).pk)
    client.force_login(clerk)

    response = client.get("/orders/credit/", {"customer": customer.pk})

    html = response.content.decode()
    assert 'id="credit-limit">¥1,000,000.00<' in html
    assert 'id="credit-exposure">¥180,800.00<' in html
    assert 'id="credit-available">¥819,200.00<' in html
    assert 'id="credit-overdue">¥0.00<' in html
    other = CustomerFactory(owner=make_user("sales_clerk"), credit_limit=Decimal("5"))
    hidden = client.get("/orders/credit/", {"customer": other.pk})
    assert hidden.context["credit"] is None  # R23


def test_the_salesperson_edits_a_draft_and_the_lines_are_replaced(
    client, clerk, customer, catalogue
):
    order = draft(clerk, customer, catalogue)
    client.force_login(clerk)

    page = client.get(f"/orders/{order.pk}/edit/")
    assert page.status_code == 200
    assert page.context["formset"].forms[0].initial["product"] == catalogue["lathe"].pk
    assert len(page.context["formset"].forms) == 5
    assert page.context["totals"]["gross"] == Decimal("180800.00")

    response = client.post(
        f"/orders/{order.pk}/edit/",
        form_data(None, [(catalogue["service"], "3", "4500")]),
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.gross_amount == Decimal("14310.00")
    assert [line.product for line in order.lines.all()] == [catalogue["service"]]


def test_a_submitted_order_cannot_be_edited_on_its_page(client, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)
    order_submit(actor=clerk, order_id=order.pk)
    client.force_login(clerk)

    response = client.get(f"/orders/{order.pk}/edit/")

    assert response.status_code == 302
    assert response.url == f"/orders/{order.pk}/"


# --- detail, buttons ---------------------------------------------------------------------------


def test_the_detail_shows_lines_totals_and_the_authors_buttons(client, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)
    client.force_login(clerk)

    response = client.get(f"/orders/{order.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert order.number in html and "数控车床" in html and "180,800.00" in html
    assert f'action="/orders/{order.pk}/submit/"' in html
    assert f'action="/orders/{order.pk}/cancel/"' in html
    assert 'id="approval"' in html and 'id="history"' in html


@pytest.mark.rule("R4")
def test_the_submit_button_submits_and_a_hold_is_highlighted(client, clerk, catalogue):
    customer = CustomerFactory(owner=clerk, credit_limit=Decimal("1000"))
    order = draft(clerk, customer, catalogue)
    client.force_login(clerk)

    response = client.post(f"/orders/{order.pk}/submit/", follow=True)

    order.refresh_from_db()
    assert (order.status, order.credit_status) == ("submitted", "hold")
    assert 'id="credit-status">Credit hold<' in response.content.decode()
    assert f'action="/orders/{order.pk}/submit/"' not in response.content.decode()


@pytest.mark.rule("R25")
def test_a_refused_submit_shows_the_reason_and_changes_nothing(client, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue, price="150000.00")
    order.price_list.items.filter(product=catalogue["lathe"]).update(floor_price=Decimal("155000"))
    client.force_login(clerk)

    response = client.post(f"/orders/{order.pk}/submit/", follow=True)

    assert "below its floor price" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "draft"
    assert Customer.objects.get(pk=customer.pk).exposure == Decimal("0.00")


def test_the_cancel_button_cancels_a_submitted_order(client, clerk, customer, catalogue):
    order = draft(clerk, customer, catalogue)
    order_submit(actor=clerk, order_id=order.pk)
    client.force_login(clerk)

    client.post(f"/orders/{order.pk}/cancel/")

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert Customer.objects.get(pk=customer.pk).exposure == Decimal("0.00")


def test_a_decider_is_sent_to_the_approval_and_sees_no_author_buttons(
    client, clerk, customer, catalogue, manager
):
    order = draft(clerk, customer, catalogue)
    order_submit(actor=clerk, order_id=order.pk)
    order.refresh_from_db()
    client.force_login(manager)

    html = client.get(f"/orders/{order.pk}/").content.decode()

    assert f'href="/approvals/{order.approval_request.pk}/"' in html
    assert f'action="/orders/{order.pk}/cancel/"' not in html


def test_the_rejection_comment_is_shown_to_the_author(client, clerk, customer, catalogue, manager):
    order = draft(clerk, customer, catalogue)
    order_submit(actor=clerk, order_id=order.pk)
    order.refresh_from_db()
    approval_decide(
        actor=manager, request_id=order.approval_request.pk, approve=False, comment="价格再谈"
    )
    client.force_login(clerk)

    html = client.get(f"/orders/{order.pk}/").content.decode()

    assert 'id="returned"' in html and "价格再谈" in html


@pytest.mark.rule("R23")
def test_a_clerk_cannot_see_another_clerks_order(client, clerk, catalogue, make_user):
    other_clerk = make_user("sales_clerk")
    order = draft(other_clerk, CustomerFactory(owner=other_clerk), catalogue)
    client.force_login(clerk)

    assert client.get(f"/orders/{order.pk}/").status_code == 404
    assert client.get(f"/orders/{order.pk}/edit/").status_code == 404
    assert client.post(f"/orders/{order.pk}/cancel/").status_code == 404
    assert Order.objects.get(pk=order.pk).status == "draft"
    assert order.number not in client.get("/orders/").content.decode()


def test_the_approval_page_shows_the_order_summary_with_hold_highlighted(
    client, clerk, catalogue, manager
):
    customer = CustomerFactory(owner=clerk, credit_limit=Decimal("1000"))
    order = draft(clerk, customer, catalogue)
    order_submit(actor=clerk, order_id=order.pk)
    order.refresh_from_db()
    client.force_login(manager)

    html = client.get(f"/approvals/{order.approval_request.pk}/").content.decode()

    assert 'id="credit-hold">HOLD<' in html
    assert "数控车床" in html and "180,800.00" in html and customer.name in html
    assert f'href="/orders/{order.pk}/"' in html


# --- list --------------------------------------------------------------------------------------


def test_the_list_searches_filters_by_status_and_paginates(client, clerk, customer, catalogue):
    submitted = draft(clerk, customer, catalogue)
    order_submit(actor=clerk, order_id=submitted.pk)
    other = CustomerFactory(owner=clerk, name="北京燕山化工有限公司")
    for _ in range(26):
        draft(clerk, other, catalogue)
    client.force_login(clerk)

    first = client.get("/orders/")
    assert first.context["page_obj"].paginator.count == 27
    assert len(first.context["page_obj"]) == 25
    assert [o.pk for o in client.get("/orders/", {"status": "submitted"}).context["page_obj"]] == [
        submitted.pk
    ]
    assert client.get("/orders/", {"q": "燕山"}).context["page_obj"].paginator.count == 26
    found = client.get("/orders/", {"q": submitted.number}).context["page_obj"]
    assert [o.pk for o in found] == [submitted.pk]
    assert client.get("/orders/", {"page": 2}).context["page_obj"].number == 2


def test_list_and_detail_query_counts_are_bounded(
    client, clerk, catalogue, manager, django_assert_max_num_queries
):
    client.force_login(clerk)

    def make(n):
        for i in range(n):
            order = draft(clerk, CustomerFactory(owner=clerk, credit_limit=10**7), catalogue)
            if i % 2:
                order_submit(actor=clerk, order_id=order.pk)

    make(2)
    few = queries(lambda: client.get("/orders/"))
    make(20)
    many = queries(lambda: client.get("/orders/"))
    assert many == few
    with django_assert_max_num_queries(12):
        client.get("/orders/")

    order = Order.objects.filter(status="submitted").first()
    with django_assert_max_num_queries(15):
        assert client.get(f"/orders/{order.pk}/").status_code == 200
    with django_assert_max_num_queries(15):
        assert client.get("/orders/new/").status_code == 200


@pytest.mark.parametrize(
    "role, shown",
    [
        ("sales_clerk", True),
        ("sales_manager", True),
        ("general_manager", True),
        ("finance", True),
        ("credit_controller", True),
        ("warehouse", False),
    ],
)
def test_the_orders_menu_item_is_shown_to_the_roles_that_work_with_orders(
    client, make_user, role, shown
):
    client.force_login(make_user(role))

    labels = [str(item["label"]) for item in client.get("/").context["nav_items"]]

    assert ("Orders" in labels) is shown
