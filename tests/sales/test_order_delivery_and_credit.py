"""Order entry (issue 11 item 5): rows added in place, the delivery date, place and payment
method (交货日期, 交货地点, 付款方式) on the form, the pages, REST, the admin and the export,
and the credit warning before submit (R4) — one selector that the submit decides by, so the
warning says what the submit then does."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone

from sales import selectors
from sales.models import Customer, Order, PaymentMethod
from sales.services.orders import order_create, order_submit, order_update
from tests.factories import CustomerFactory, ProductFactory, active_price_list

pytestmark = pytest.mark.django_db

URL = "/api/v1/orders/"
TODAY = timezone.localdate
LATER = lambda: TODAY() + datetime.timedelta(days=30)  # noqa: E731


@pytest.fixture
def catalogue():
    lathe = ProductFactory(code="P-1001", name="数控车床", tax_rate=Decimal("0.1300"))
    service = ProductFactory(code="P-3001", name="安装调试服务", tax_rate=Decimal("0.0600"))
    active_price_list(items=[(lathe, "168000.00", "150000.00"), (service, "5000.00", "4000.00")])
    return {"lathe": lathe, "service": service}


@pytest.fixture
def customer(clerk):
    return CustomerFactory(owner=clerk, name="上海华东机械有限公司", credit_limit=Decimal("200000"))


@pytest.fixture
def overdue(monkeypatch):
    """The registered overdue sources (contracts' ledger) replaced: `overdue(customer, amount)`
    makes `customer` owe `amount` past its due date."""
    owed: dict[int, Decimal] = {}
    monkeypatch.setattr(
        selectors,
        "_OVERDUE_SOURCES",
        [lambda *, customer_id, as_of: owed.get(customer_id, Decimal("0"))],
    )

    def make(customer, amount):
        owed[customer.pk] = Decimal(amount)

    return make


def lines(catalogue, quantity="1", price="160000.00"):
    return [{"product": catalogue["lathe"].pk, "quantity": quantity, "unit_price": price}]


def form_data(customer, rows, *, action="save", total=5, **extra) -> dict:
    data = {
        "customer": customer.pk if customer else "",
        "first_payment_ratio": "30",
        "delivery_date": "",
        "delivery_place": "",
        "payment_method": "",
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


# --- rows added in place -----------------------------------------------------------------------


def test_the_order_form_offers_a_button_to_add_rows_in_place_and_empty_rows_without_script(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)

    html = client.get("/orders/new/").content.decode()

    assert 'data-add-row="lines"' in html and ">Add a row</button>" in html
    assert '<template id="lines-empty-row">' in html
    assert 'name="lines-__prefix__-product"' in html  # the row the button copies
    assert html.count('class="line"') >= 5  # without script: the page's empty rows
    assert "save the draft to get more rows" not in html


def test_a_row_beyond_the_pages_rows_is_saved_like_the_others(client, clerk, customer, catalogue):
    """What the button does: one more form counted in TOTAL_FORMS; the server takes it."""
    client.force_login(clerk)
    rows = [(None, "", "")] * 5 + [(catalogue["service"], "2", "5000.00")]

    response = client.post("/orders/new/", form_data(customer, rows, total=6))

    assert response.status_code == 302
    order = Order.objects.get()
    assert [(line.product.code, line.quantity) for line in order.lines.all()] == [
        ("P-3001", Decimal("2.000"))
    ]


def test_the_price_list_form_adds_rows_in_place_too(client, gm):
    client.force_login(gm)

    html = client.get("/price-lists/new/").content.decode()

    assert 'data-add-row="items"' in html and '<template id="items-empty-row">' in html
    assert "save the draft to get more rows" not in html


def test_the_add_row_button_is_translated(client, clerk, customer, catalogue):
    client.force_login(clerk)

    html = client.get("/orders/new/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert ">添加一行</button>" in html


# --- delivery date, place and payment method --------------------------------------------------


def test_the_form_saves_the_delivery_terms_and_the_pages_show_them(
    client, clerk, customer, catalogue, manager
):
    client.force_login(clerk)
    day = LATER()

    response = client.post(
        "/orders/new/",
        form_data(
            customer,
            [(catalogue["lathe"], "1", "160000.00")],
            delivery_date=day.isoformat(),
            delivery_place="上海市浦东新区张江路 88 号",
            payment_method="acceptance_bill",
        ),
    )

    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.delivery_date, order.delivery_place, order.payment_method) == (
        day,
        "上海市浦东新区张江路 88 号",
        PaymentMethod.ACCEPTANCE_BILL,
    )
    html = client.get(f"/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'id="delivery-date">{day.isoformat()}<' in html
    assert 'id="delivery-place">上海市浦东新区张江路 88 号<' in html
    assert 'id="payment-method">银行承兑汇票<' in html
    edit = client.get(f"/orders/{order.pk}/edit/").content.decode()
    assert f'value="{day.isoformat()}"' in edit
    assert '<option value="acceptance_bill" selected>' in edit
    # The approval summary the sales manager reads.
    order_submit(actor=clerk, order_id=order.pk)
    order.refresh_from_db()
    client.force_login(manager)
    summary = client.get(f"/approvals/{order.approval_request.pk}/").content.decode()
    assert "上海市浦东新区张江路 88 号" in summary and "Bank acceptance bill" in summary
    assert day.isoformat() in summary


def test_a_past_delivery_date_on_the_form_is_shown_beside_it_and_nothing_is_written(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)
    yesterday = TODAY() - datetime.timedelta(days=1)

    response = client.post(
        "/orders/new/",
        form_data(
            customer,
            [(catalogue["lathe"], "1", "160000.00")],
            delivery_date=yesterday.isoformat(),
        ),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["delivery_date"] == [
        "The delivery date cannot be in the past."
    ]
    assert not Order.objects.exists()


def test_an_unknown_payment_method_on_the_form_is_refused_beside_it(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)

    response = client.post(
        "/orders/new/",
        form_data(customer, [(catalogue["lathe"], "1", "160000.00")], payment_method="bitcoin"),
    )

    assert response.status_code == 400
    assert "payment_method" in response.context["form"].errors
    assert not Order.objects.exists()


def test_the_api_takes_and_returns_the_delivery_terms(api, clerk, customer, catalogue):
    client = api.as_user(clerk)
    day = LATER()

    created = client.post(
        URL,
        {
            "customer": customer.pk,
            "lines": lines(catalogue),
            "delivery_date": day.isoformat(),
            "delivery_place": "苏州工业园区",
            "payment_method": "bank_transfer",
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["delivery_date"], body["delivery_place"], body["payment_method"]) == (
        day.isoformat(),
        "苏州工业园区",
        "bank_transfer",
    )
    patched = client.patch(
        f"{URL}{body['id']}/", {"payment_method": "cheque"}, format="json"
    ).json()
    assert (patched["delivery_date"], patched["delivery_place"], patched["payment_method"]) == (
        day.isoformat(),
        "苏州工业园区",
        "cheque",
    )  # what the PATCH leaves out is kept
    cleared = client.patch(
        f"{URL}{body['id']}/", {"delivery_date": None, "delivery_place": ""}, format="json"
    ).json()
    assert (cleared["delivery_date"], cleared["delivery_place"]) == (None, "")


def test_an_order_without_delivery_terms_reads_them_empty(api, clerk, customer, catalogue):
    body = (
        api.as_user(clerk)
        .post(URL, {"customer": customer.pk, "lines": lines(catalogue)}, format="json")
        .json()
    )

    assert (body["delivery_date"], body["delivery_place"], body["payment_method"]) == (None, "", "")


@pytest.mark.rule("R25")
def test_bad_delivery_terms_are_400_naming_each_field_and_write_nothing(
    api, clerk, customer, catalogue
):
    yesterday = TODAY() - datetime.timedelta(days=1)

    response = api.as_user(clerk).post(
        URL,
        {
            "customer": customer.pk,
            "lines": lines(catalogue),
            "delivery_date": "2026-02-30",
            "payment_method": "bitcoin",
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"delivery_date", "payment_method"}
    past = api.as_user(clerk).post(
        URL,
        {"customer": customer.pk, "lines": lines(catalogue), "delivery_date": str(yesterday)},
        format="json",
    )
    assert past.status_code == 400
    assert past.json()["code"] == "invalid"
    assert past.json()["errors"] == {"delivery_date": ["The delivery date cannot be in the past."]}
    assert not Order.objects.exists()


@pytest.mark.rule("R25")
def test_a_delivery_date_that_passed_while_in_draft_refuses_the_submit_naming_it(
    api, clerk, customer, catalogue
):
    """A past delivery date at submit is a 400 `invalid` naming `delivery_date` (API.md's
    malformed input: the date must be corrected), and the submit changes nothing."""
    order = order_create(
        actor=clerk, customer_id=customer.pk, lines=lines(catalogue), delivery_date=LATER()
    )
    Order.objects.filter(pk=order.pk).update(delivery_date=TODAY() - datetime.timedelta(days=2))

    response = api.as_user(clerk).post(f"{URL}{order.pk}/submit/")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["errors"]) == ["delivery_date"]
    order.refresh_from_db()
    assert (order.status, order.credit_status) == ("draft", "unchecked")
    assert Customer.objects.get(pk=customer.pk).exposure == Decimal("0.00")
    # Today is fine: the order is submitted.
    order_update(actor=clerk, order_id=order.pk, delivery_date=TODAY())
    assert api.as_user(clerk).post(f"{URL}{order.pk}/submit/").status_code == 200


def test_the_order_export_has_the_delivery_columns(client, clerk, customer, catalogue):
    day = LATER()
    order_create(
        actor=clerk,
        customer_id=customer.pk,
        lines=lines(catalogue),
        delivery_date=day,
        delivery_place="无锡新区",
        payment_method="cash",
    )
    client.force_login(clerk)

    response = client.get("/orders/", {"export": "xlsx"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    assert {"交货日期", "交货地点", "付款方式"} <= set(headers)
    row = rows[1]
    assert row[headers.index("交货日期")].date() == day  # a date, not text
    assert row[headers.index("交货地点")] == "无锡新区"
    assert row[headers.index("付款方式")] == "现金"


def test_the_admin_lists_orders_with_their_delivery_terms_read_only(
    client, make_user, clerk, customer, catalogue
):
    order = order_create(
        actor=clerk, customer_id=customer.pk, lines=lines(catalogue), delivery_place="常州"
    )
    client.force_login(make_user(is_superuser=True, is_staff=True, username="root"))

    listing = client.get("/admin/sales/order/").content.decode()
    page = client.get(f"/admin/sales/order/{order.pk}/change/").content.decode()

    assert order.number in listing and "常州" in listing
    assert "常州" in page and 'name="delivery_place"' not in page  # shown, never edited


# --- the credit warning before submit (R4) -------------------------------------------------------


def panel(client, customer, catalogue, quantity="1", price="160000.00"):
    """The credit panel as the customer select asks for it, with the lines typed so far."""
    data = form_data(customer, [(catalogue["lathe"], quantity, price)], total=1)
    data.pop("action")
    return client.get("/orders/credit/", data).content.decode()


@pytest.mark.rule("R4")
def test_the_panel_says_the_order_passes_with_what_remains_of_the_limit(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)

    html = panel(client, customer, catalogue)  # gross 180,800.00 of 200,000.00

    assert 'id="credit-outlook-passes"' in html
    assert "This order passes the credit check: ¥19,200.00 of the credit limit remains" in html
    assert "credit hold" not in html.split('id="credit-outlook"')[1].split("</div>")[0]


@pytest.mark.rule("R4")
def test_the_panel_warns_of_a_hold_by_how_much_the_limit_is_exceeded(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)

    html = panel(client, customer, catalogue, quantity="2")  # gross 361,600.00

    assert (
        "This order will go on credit hold: exposure plus this order exceeds the credit limit "
        "by ¥161,600.00." in html
    )
    zh = client.get(
        "/orders/credit/",
        form_data(customer, [(catalogue["lathe"], "2", "160000")], total=1),
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    ).content.decode()
    assert "本单提交后将被信用冻结：占用额加本单金额超出信用额度 ¥161,600.00。" in zh


@pytest.mark.rule("R4")
def test_the_panel_warns_of_a_hold_for_an_overdue_amount(
    client, clerk, customer, catalogue, overdue
):
    overdue(customer, "12345.60")
    client.force_login(clerk)

    html = panel(client, customer, catalogue)

    assert (
        "This order will go on credit hold: the customer has an overdue amount (¥12,345.60)."
        in html
    )
    assert "exceeds the credit limit" not in html


@pytest.mark.rule("R4")
def test_the_panel_warns_of_a_hold_for_a_blocked_customer(client, clerk, catalogue):
    blocked = CustomerFactory(owner=clerk, credit_limit=Decimal("5000000"), blocked=True)
    client.force_login(clerk)

    html = panel(client, blocked, catalogue)

    assert "This order will go on credit hold: the customer is blocked." in html


@pytest.mark.rule("R4")
def test_the_live_totals_bring_the_panel_up_to_date_as_lines_are_typed(
    client, clerk, customer, catalogue
):
    client.force_login(clerk)

    within = client.post(
        "/orders/totals/", form_data(customer, [(catalogue["lathe"], "1", "160000")], total=1)
    ).content.decode()
    beyond = client.post(
        "/orders/totals/", form_data(customer, [(catalogue["lathe"], "2", "160000")], total=1)
    ).content.decode()

    assert 'id="order-totals"' in within and 'hx-swap-oob="outerHTML"' in within
    assert 'id="credit-outlook-passes"' in within
    assert "exceeds the credit limit by ¥161,600.00" in beyond
    # No customer chosen yet: the totals alone.
    alone = client.post(
        "/orders/totals/", form_data(None, [(catalogue["lathe"], "1", "160000")], total=1)
    ).content.decode()
    assert "credit-panel" not in alone


@pytest.mark.rule("R4", "R23")
def test_the_panel_of_another_clerks_customer_is_not_shown(client, clerk, catalogue, make_user):
    theirs = CustomerFactory(owner=make_user("sales_clerk"), credit_limit=Decimal("5"))
    client.force_login(clerk)

    response = client.get("/orders/credit/", {"customer": theirs.pk})
    totals = client.post(
        "/orders/totals/", form_data(theirs, [(catalogue["lathe"], "1", "160000")], total=1)
    )

    assert response.context["outlook"] is None
    assert "credit-panel" not in totals.content.decode()


@pytest.mark.rule("R4")
def test_the_edit_form_shows_the_warning_for_the_drafts_customer(
    client, clerk, customer, catalogue
):
    order = order_create(actor=clerk, customer_id=customer.pk, lines=lines(catalogue, "2"))
    client.force_login(clerk)

    html = client.get(f"/orders/{order.pk}/edit/").content.decode()

    assert f'<input type="hidden" name="customer" value="{customer.pk}">' in html
    assert "exceeds the credit limit by ¥161,600.00" in html


@pytest.mark.rule("R4")
@pytest.mark.parametrize(
    ("case", "quantity", "expected", "words"),
    [
        ("passes", "1", "passed", "This order passes the credit check"),
        ("over_limit", "2", "hold", "exceeds the credit limit by ¥161,600.00"),
        ("overdue", "1", "hold", "the customer has an overdue amount (¥1.00)"),
        ("blocked", "1", "hold", "the customer is blocked"),
    ],
)
def test_the_warning_on_the_draft_page_is_what_the_submit_then_does(
    client, clerk, customer, catalogue, overdue, case, quantity, expected, words
):
    if case == "overdue":
        overdue(customer, "1.00")
    if case == "blocked":
        Customer.objects.filter(pk=customer.pk).update(blocked=True)
    order = order_create(actor=clerk, customer_id=customer.pk, lines=lines(catalogue, quantity))
    client.force_login(clerk)

    page = client.get(f"/orders/{order.pk}/").content.decode()

    warning = page.split('id="credit-outlook"')[1].split("</div>")[0]
    assert words in warning
    assert page.index('id="credit-outlook"') < page.index(f'action="/orders/{order.pk}/submit/"')
    client.post(f"/orders/{order.pk}/submit/")
    order.refresh_from_db()
    assert (order.status, order.credit_status) == ("submitted", expected)


@pytest.mark.rule("R4")
def test_the_outlook_and_the_submit_agree_at_the_limit_exactly(clerk, catalogue):
    """Exposure + order = limit passes; one cent more holds — the selector is the check."""
    at_limit = CustomerFactory(owner=clerk, credit_limit=Decimal("180800.00"))
    one_cent_short = CustomerFactory(owner=clerk, credit_limit=Decimal("180799.99"))
    results = []
    for customer in (at_limit, one_cent_short):
        order = order_create(actor=clerk, customer_id=customer.pk, lines=lines(catalogue))
        outlook = selectors.order_credit_outlook(customer=customer, amount=order.gross_amount)
        submitted = order_submit(actor=clerk, order_id=order.pk)
        results.append((outlook.passes, outlook.reasons, submitted.credit_status))

    assert results == [(True, (), "passed"), (False, ("over_limit",), "hold")]


def test_a_submitted_order_shows_no_warning(client, clerk, customer, catalogue):
    order = order_create(actor=clerk, customer_id=customer.pk, lines=lines(catalogue))
    order_submit(actor=clerk, order_id=order.pk)
    client.force_login(clerk)

    response = client.get(f"/orders/{order.pk}/")

    assert response.context["outlook"] is None
    assert 'id="credit-outlook"' not in response.content.decode()
