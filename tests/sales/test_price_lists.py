"""Price lists end to end (R6, with R5's floor prices): REST (API.md `price-lists/`), the
approval engine's rules for this document (R21), the browser pages, and refusals that write
nothing (R25)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.models import ApprovalRequest, Decision, RequestStatus
from sales.models import PriceList, PriceListItem
from sales.services.price_lists import price_list_create, price_list_submit
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/price-lists/"


@pytest.fixture
def products():
    return [ProductFactory(), ProductFactory(), ProductFactory()]


def payload(*products, **overrides) -> dict:
    body = {
        "name": "2025 年标准价格表",
        "valid_from": "2025-01-01",
        "valid_to": "2025-12-31",
        "items": [
            {"product": p.pk, "list_price": "1200.00", "floor_price": "1000.00"} for p in products
        ],
    }
    body.update(overrides)
    return body


def draft(author, products, *, start=date(2025, 1, 1), end=date(2025, 12, 31), name="价格表"):
    return price_list_create(
        actor=author,
        name=name,
        valid_from=start,
        valid_to=end,
        items=[
            {"product": p, "list_price": Decimal("100.00"), "floor_price": Decimal("80.00")}
            for p in products
        ],
    )


def submitted(author, products, **kwargs) -> PriceList:
    price_list = draft(author, products, **kwargs)
    price_list_submit(actor=author, price_list_id=price_list.pk)
    price_list.refresh_from_db()
    return price_list


def approval_of(price_list: PriceList) -> ApprovalRequest:
    return ApprovalRequest.objects.filter(
        document_type="price_list", document_id=price_list.pk
    ).latest("created_at", "id")


def approve(api, user, price_list, comment="同意"):
    return api.as_user(user).post(
        f"/api/v1/approvals/{approval_of(price_list).pk}/approve/",
        {"comment": comment},
        format="json",
    )


def active(api, author, approver, products, **kwargs) -> PriceList:
    price_list = submitted(author, products, **kwargs)
    assert approve(api, approver, price_list).status_code == 200
    price_list.refresh_from_db()
    return price_list


def nothing_written() -> bool:
    return not (
        PriceList.objects.exists()
        or PriceListItem.objects.exists()
        or PriceList.history.exists()
        or PriceListItem.history.exists()
    )


def queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


# --- REST: draft --------------------------------------------------------------------------------


@pytest.mark.rule("R6")
def test_a_sales_manager_drafts_a_price_list_with_its_items(api, manager, products):
    response = api.as_user(manager).post(URL, payload(*products[:2]), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["approval"] is None
    assert body["number"].startswith("JG-")
    assert (body["name"], body["valid_from"], body["valid_to"]) == (
        "2025 年标准价格表",
        "2025-01-01",
        "2025-12-31",
    )
    assert body["commission_rate"] == "0.0200"  # R9's default, 4 places
    assert body["created_by"] == "manager.wang"
    assert [
        (i["product"], i["product_code"], i["list_price"], i["floor_price"]) for i in body["items"]
    ] == [(p.pk, p.code, "1200.00", "1000.00") for p in products[:2]]
    assert PriceList.objects.get().items.count() == 2


@pytest.mark.rule("R6")
def test_the_validity_may_stay_open_and_the_commission_rate_be_given(api, gm, products):
    response = api.as_user(gm).post(
        URL, payload(products[0], valid_to=None, commission_rate="0.035"), format="json"
    )

    assert response.status_code == 201, response.content
    assert (response.json()["valid_to"], response.json()["commission_rate"]) == (None, "0.0350")


@pytest.mark.rule("R6")
@pytest.mark.parametrize(
    "role", ["sales_clerk", "finance", "credit_controller", "sales_vp", "warehouse"]
)
def test_roles_that_do_not_author_price_lists_are_refused_with_403(api, make_user, products, role):
    response = api.as_user(make_user(role)).post(URL, payload(products[0]), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert nothing_written()


@pytest.mark.rule("R6")
def test_a_clerk_gets_403_even_with_bad_fields(api, clerk):
    response = api.as_user(clerk).post(URL, {"name": "", "items": []}, format="json")

    assert response.status_code == 403
    assert nothing_written()


def _unknown(p, q):
    return {"items": [{"product": 999999, "list_price": "10.00", "floor_price": "9.00"}]}


def _inactive(p, q):
    q.is_active = False
    q.save()
    return {"items": [{"product": q.pk, "list_price": "10.00", "floor_price": "9.00"}]}


def _floor_above_list(p, q):
    return {"items": [{"product": p.pk, "list_price": "10.00", "floor_price": "10.01"}]}


def _floor_zero(p, q):
    return {"items": [{"product": p.pk, "list_price": "10.00", "floor_price": "0.00"}]}


def _three_places(p, q):
    return {"items": [{"product": p.pk, "list_price": "10.005", "floor_price": "9.00"}]}


def _duplicate(p, q):
    row = {"product": p.pk, "list_price": "10.00", "floor_price": "9.00"}
    return {"items": [row, dict(row)]}


@pytest.mark.rule("R6", "R25")
@pytest.mark.parametrize(
    "make_body, field",
    [
        (_unknown, "items.0.product"),
        (_inactive, "items.0.product"),
        (_floor_above_list, "items.0.floor_price"),
        (_floor_zero, "items.0.floor_price"),
        (_three_places, "items.0.list_price"),
        (_duplicate, "items.1.product"),
        (lambda p, q: {"items": []}, "items"),
        (lambda p, q: {"valid_to": "2024-12-31"}, "valid_to"),
        (lambda p, q: {"valid_from": "2025-02-30"}, "valid_from"),
        (lambda p, q: {"commission_rate": "1.5000"}, "commission_rate"),
        (lambda p, q: {"name": ""}, "name"),
        (lambda p, q: {"items": [{"product": p.pk}]}, "items.0.list_price"),
        # Read-only fields are refused, not silently ignored (issue 16: exact bodies).
        (lambda p, q: {"status": "active", "number": "X"}, "status"),
        (lambda p, q: {"items": [{"product": p.pk, "price": "1.00"}]}, "items.0.price"),
    ],
    ids=[
        "unknown product",
        "inactive product",
        "floor above list",
        "floor zero",
        "three decimal places",
        "duplicate product",
        "no items",
        "end before start",
        "no such date",
        "commission above 1",
        "empty name",
        "missing prices",
        "read-only fields",
        "unknown line field",
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(
    api, manager, products, make_body, field
):
    body = payload(products[0]) | make_body(products[0], products[1])

    response = api.as_user(manager).post(URL, body, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert nothing_written()


@pytest.mark.rule("R6")
def test_missing_fields_are_named(api, manager):
    response = api.as_user(manager).post(URL, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"name", "valid_from", "items"}
    assert nothing_written()


@pytest.mark.rule("R6")
def test_a_refused_draft_gives_its_number_back(api, manager, products):
    api.as_user(manager).post(URL, payload(products[0], valid_to="2024-01-01"), format="json")

    response = api.as_user(manager).post(URL, payload(products[0]), format="json")

    assert response.json()["number"].endswith("-0001")


# --- REST: read ---------------------------------------------------------------------------------


@pytest.mark.rule("R6")
def test_detail_shows_the_list_with_its_items(api, clerk, manager, products):
    price_list = draft(manager, products[:2])

    response = api.as_user(clerk).get(f"{URL}{price_list.pk}/")  # every role reads price lists

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["number"], body["status"], body["approval"]) == (
        price_list.pk,
        price_list.number,
        "draft",
        None,
    )
    assert [i["list_price"] for i in body["items"]] == ["100.00", "100.00"]
    assert api.get(f"{URL}999999/").status_code == 404


@pytest.mark.rule("R6")
def test_list_filters_on_status_and_searches(api, manager, gm, products):
    drafted = draft(manager, products[:1], name="夏季促销")
    pending = submitted(manager, products[:1], start=date(2026, 1, 1), end=None, name="2026")
    running = active(api, manager, gm, products[:1], start=date(2024, 1, 1), end=date(2024, 12, 31))
    client = api.as_user(manager)

    def ids(**params):
        response = client.get(URL, params)
        assert response.status_code == 200
        return sorted(row["id"] for row in response.json()["results"])

    assert ids() == sorted([drafted.pk, pending.pk, running.pk])
    assert ids(status="draft") == [drafted.pk]
    assert ids(status="pending") == [pending.pk]
    assert ids(status="active") == [running.pk]
    assert ids(search="夏季") == [drafted.pk]
    assert client.get(URL, {"status": "nonsense"}).status_code == 400


@pytest.mark.rule("R6")
def test_list_is_paginated_and_carries_each_rows_approval(api, manager, products):
    for year in (2025, 2026, 2027):
        submitted(manager, products[:1], start=date(year, 1, 1), end=date(year, 12, 31))
    draft(manager, products[:1])

    response = api.as_user(manager).get(URL, {"page_size": 2})

    body = response.json()
    assert body["count"] == 4
    assert body["next"] is not None
    assert len(body["results"]) == 2
    everything = api.as_user(manager).get(URL, {"page_size": 10}).json()["results"]
    approvals = [row["approval"] for row in everything]
    assert approvals.count(None) == 1
    for approval in filter(None, approvals):
        assert approval["status"] == "pending"
        assert approval["current_steps"] == [{"sequence": 1, "role": "general_manager"}]


@pytest.mark.rule("R6")
def test_list_query_count_does_not_grow_with_rows(
    api, manager, gm, products, django_assert_max_num_queries
):
    def make(years):
        for year in years:
            price_list = submitted(
                manager, products, start=date(year, 1, 1), end=date(year, 12, 31)
            )
            if year % 2:  # some with a decision, so the approvals carry decisions
                approve(api, gm, price_list)
        return api.as_user(manager)

    client = make(range(2001, 2003))
    few = queries(lambda: client.get(URL))
    client = make(range(2003, 2023))
    many = queries(lambda: client.get(URL))

    assert many == few
    with django_assert_max_num_queries(10):
        assert len(client.get(URL).json()["results"]) == 22


# --- REST: edit ---------------------------------------------------------------------------------


@pytest.mark.rule("R6")
def test_the_author_patches_a_draft_and_its_items(api, manager, products):
    price_list = draft(manager, products[:2])

    response = api.as_user(manager).patch(
        f"{URL}{price_list.pk}/",
        {
            "name": "修订版",
            "items": [{"product": products[2].pk, "list_price": "50.00", "floor_price": "45.50"}],
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    assert response.json()["name"] == "修订版"
    assert [(i["product"], i["floor_price"]) for i in response.json()["items"]] == [
        (products[2].pk, "45.50")
    ]
    assert list(price_list.items.values_list("product", flat=True)) == [products[2].pk]


@pytest.mark.rule("R6")
def test_a_patch_without_items_keeps_them(api, manager, products):
    price_list = draft(manager, products[:2])

    response = api.as_user(manager).patch(
        f"{URL}{price_list.pk}/", {"valid_to": None}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["valid_to"] is None
    assert price_list.items.count() == 2


@pytest.mark.rule("R6", "R25")
def test_a_patch_with_bad_items_changes_nothing(api, manager, products):
    price_list = draft(manager, products[:2])
    before = PriceListItem.history.count()

    response = api.as_user(manager).patch(
        f"{URL}{price_list.pk}/",
        {
            "name": "不应保存",
            "items": [{"product": products[0].pk, "list_price": "5.00", "floor_price": "6.00"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["items.0.floor_price"]
    price_list.refresh_from_db()
    assert price_list.name == "价格表"
    assert price_list.items.count() == 2
    assert PriceListItem.history.count() == before


@pytest.mark.rule("R6", "R25")
def test_patching_a_submitted_list_is_409_and_changes_nothing(api, manager, products):
    price_list = submitted(manager, products[:1])

    response = api.as_user(manager).patch(f"{URL}{price_list.pk}/", {"name": "改名"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    price_list.refresh_from_db()
    assert (price_list.name, price_list.status) == ("价格表", "pending")


@pytest.mark.rule("R6")
def test_only_the_author_patches_a_draft(api, manager, gm, clerk, products):
    price_list = draft(manager, products[:1])

    by_gm = api.as_user(gm).patch(f"{URL}{price_list.pk}/", {"name": "x"}, format="json")
    by_clerk = api.as_user(clerk).patch(f"{URL}{price_list.pk}/", {"name": "x"}, format="json")

    assert (by_gm.status_code, by_clerk.status_code) == (403, 403)
    assert by_gm.json()["code"] == "permission_denied"
    price_list.refresh_from_db()
    assert price_list.name == "价格表"


@pytest.mark.rule("R6")
def test_put_is_not_offered(api, manager, products):
    price_list = draft(manager, products[:1])

    response = api.as_user(manager).put(
        f"{URL}{price_list.pk}/", payload(products[0]), format="json"
    )

    assert response.status_code == 405


# --- REST: submit, approve (R6, R21) -----------------------------------------------------------


@pytest.mark.rule("R6")
def test_submit_answers_the_whole_document_waiting_for_the_general_manager(api, manager, products):
    price_list = draft(manager, products[:2])

    response = api.as_user(manager).post(f"{URL}{price_list.pk}/submit/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], len(body["items"])) == (price_list.pk, "pending", 2)
    assert body["approval"]["status"] == "pending"
    assert body["approval"]["current_steps"] == [{"sequence": 1, "role": "general_manager"}]
    assert body["approval"]["decisions"] == []


@pytest.mark.rule("R6")
def test_r6_a_price_list_becomes_active_only_when_the_general_manager_approves(
    api, manager, gm, products
):
    client = api.as_user(manager)
    created = client.post(URL, payload(*products[:2]), format="json").json()
    submitted_ = client.post(f"{URL}{created['id']}/submit/").json()
    assert submitted_["status"] == "pending"

    inbox = api.as_user(gm).get("/api/v1/approvals/", {"mine": "pending"}).json()["results"]
    assert [(row["document_type"], row["document_id"]) for row in inbox] == [
        ("price_list", created["id"])
    ]
    decided = api.as_user(gm).post(
        f"/api/v1/approvals/{submitted_['approval']['id']}/approve/",
        {"comment": "按此执行"},
        format="json",
    )

    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "approved"
    body = api.as_user(manager).get(f"{URL}{created['id']}/").json()
    assert body["status"] == "active"
    assert body["activated_at"] is not None
    assert body["approval"]["status"] == "approved"
    assert [
        (d["role"], d["user"], d["decision"], d["comment"]) for d in body["approval"]["decisions"]
    ] == [("general_manager", "gm.chen", "approved", "按此执行")]


@pytest.mark.rule("R6", "R21")
def test_a_rejection_returns_the_list_to_draft_with_the_comment(api, manager, gm, products):
    price_list = submitted(manager, products[:1])

    response = api.as_user(gm).post(
        f"/api/v1/approvals/{approval_of(price_list).pk}/reject/",
        {"comment": "底价太低，重新核算"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = api.as_user(manager).get(f"{URL}{price_list.pk}/").json()
    assert body["status"] == "draft"
    assert body["approval"]["status"] == "rejected"
    assert [(d["user"], d["comment"]) for d in body["approval"]["decisions"]] == [
        ("gm.chen", "底价太低，重新核算")
    ]
    # the author corrects it and submits again: a new request
    fixed = api.as_user(manager).patch(
        f"{URL}{price_list.pk}/",
        {"items": [{"product": products[0].pk, "list_price": "100.00", "floor_price": "90.00"}]},
        format="json",
    )
    assert fixed.status_code == 200, fixed.content
    again = api.as_user(manager).post(f"{URL}{price_list.pk}/submit/").json()
    assert again["status"] == "pending"
    assert again["approval"]["id"] != body["approval"]["id"]
    assert again["approval"]["decisions"] == []


@pytest.mark.rule("R6")
def test_a_sales_manager_cannot_decide_the_general_managers_step(api, manager, make_user, products):
    price_list = submitted(manager, products[:1])

    response = approve(api, make_user("sales_manager", "sales_head"), price_list)

    assert response.status_code == 403
    assert response.json()["code"] == "not_your_step"
    price_list.refresh_from_db()
    assert price_list.status == "pending"
    assert not Decision.objects.exists()


@pytest.mark.rule("R6", "R21")
def test_the_author_who_is_general_manager_cannot_approve_their_own_list(
    api, gm, make_user, products
):
    response = api.as_user(gm).post(URL, payload(products[0]), format="json")
    price_list = PriceList.objects.get(pk=response.json()["id"])
    api.as_user(gm).post(f"{URL}{price_list.pk}/submit/")

    response = approve(api, gm, price_list)

    assert response.status_code == 403
    assert response.json()["code"] == "self_approval_forbidden"
    price_list.refresh_from_db()
    assert price_list.status == "pending"
    assert not Decision.objects.exists()
    # another general manager may
    assert approve(api, make_user("general_manager"), price_list).status_code == 200
    price_list.refresh_from_db()
    assert price_list.status == "active"


@pytest.mark.rule("R6")
def test_only_the_author_submits(api, gm, make_user, products):
    price_list = draft(gm, products[:1])  # the GM's own draft …

    response = api.as_user(make_user("sales_head")).post(f"{URL}{price_list.pk}/submit/")

    # … cannot be submitted by someone else and then approved by the GM (R21)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    price_list.refresh_from_db()
    assert price_list.status == "draft"
    assert not ApprovalRequest.objects.exists()


@pytest.mark.rule("R6")
def test_submitting_twice_is_409(api, manager, products):
    price_list = submitted(manager, products[:1])

    response = api.as_user(manager).post(f"{URL}{price_list.pk}/submit/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert ApprovalRequest.objects.count() == 1


# --- REST: overlap (R6) -------------------------------------------------------------------------


@pytest.mark.rule("R6")
def test_submitting_a_list_that_overlaps_an_active_one_is_409(api, manager, gm, products):
    active(api, manager, gm, products[:1], start=date(2025, 1, 1), end=date(2025, 12, 31))
    overlapping = draft(manager, products[:1], start=date(2025, 12, 31), end=None)

    response = api.as_user(manager).post(f"{URL}{overlapping.pk}/submit/")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "price_list_overlap"
    assert "valid_from" in body["errors"]
    overlapping.refresh_from_db()
    assert overlapping.status == "draft"
    assert not ApprovalRequest.objects.filter(document_id=overlapping.pk).exists()


@pytest.mark.rule("R6")
def test_an_open_ended_active_list_overlaps_every_later_one(api, manager, gm, products):
    active(api, manager, gm, products[:1], start=date(2025, 1, 1), end=None)
    later = draft(manager, products[:1], start=date(2030, 1, 1), end=date(2030, 12, 31))

    response = api.as_user(manager).post(f"{URL}{later.pk}/submit/")

    assert response.status_code == 409
    assert response.json()["code"] == "price_list_overlap"


@pytest.mark.rule("R6")
def test_lists_that_follow_each_other_day_by_day_do_not_overlap(api, manager, gm, products):
    first = active(api, manager, gm, products[:1], start=date(2025, 1, 1), end=date(2025, 6, 30))
    second = active(api, manager, gm, products[:1], start=date(2025, 7, 1), end=None)

    assert (first.status, second.status) == ("active", "active")


@pytest.mark.rule("R6")
def test_the_general_managers_approval_is_refused_when_another_list_became_active_first(
    api, manager, gm, products
):
    first = submitted(manager, products[:1], start=date(2025, 1, 1), end=date(2025, 12, 31))
    second = submitted(manager, products[:1], start=date(2025, 6, 1), end=None)
    assert approve(api, gm, first).status_code == 200

    response = approve(api, gm, second)

    assert response.status_code == 409
    assert response.json()["code"] == "price_list_overlap"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("active", "pending")
    request = approval_of(second)
    assert request.status == RequestStatus.PENDING
    assert not request.decisions.exists()
    assert [s.status for s in request.steps.all()] == ["open"]
    assert second.activated_at is None


@pytest.mark.rule("R6")
def test_a_closed_list_no_longer_blocks_a_new_one(api, manager, gm, products):
    old = active(api, manager, gm, products[:1], start=date(2025, 1, 1), end=None)
    assert api.as_user(gm).post(f"{URL}{old.pk}/close/").status_code == 200

    new = active(api, manager, gm, products[:1], start=date(2025, 7, 1), end=None)

    assert new.status == "active"


# --- REST: close --------------------------------------------------------------------------------


@pytest.mark.rule("R6")
def test_the_general_manager_closes_an_active_list(api, manager, gm, products):
    price_list = active(api, manager, gm, products[:1])

    response = api.as_user(gm).post(f"{URL}{price_list.pk}/close/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"


@pytest.mark.rule("R6")
def test_only_the_general_manager_closes(api, manager, gm, products):
    price_list = active(api, manager, gm, products[:1])

    response = api.as_user(manager).post(f"{URL}{price_list.pk}/close/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    price_list.refresh_from_db()
    assert price_list.status == "active"


@pytest.mark.rule("R6")
@pytest.mark.parametrize("state", ["draft", "pending"])
def test_closing_a_list_that_is_not_active_is_409(api, manager, gm, products, state):
    price_list = draft(manager, products[:1]) if state == "draft" else submitted(manager, products)

    response = api.as_user(gm).post(f"{URL}{price_list.pk}/close/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    price_list.refresh_from_db()
    assert price_list.status == state


# --- pages --------------------------------------------------------------------------------------


def form_data(rows=(), total=None, **header) -> dict:
    data = {
        "name": "2025 年华东区价格表",
        "valid_from": "2025-01-01",
        "valid_to": "2025-12-31",
        "commission_rate": "2",  # typed as a percentage
        "items-TOTAL_FORMS": str(total if total is not None else len(rows)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    data.update(header)
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"items-{index}-{key}"] = value
    return data


def row(product, list_price="1200.00", floor_price="1000.00") -> dict:
    return {"product": str(product.pk), "list_price": list_price, "floor_price": floor_price}


@pytest.mark.rule("R6")
def test_the_menu_shows_price_lists_to_sales_the_general_manager_and_finance(client, make_user):
    for role, shown in [
        ("sales_clerk", True),
        ("sales_manager", True),
        ("general_manager", True),
        ("finance", True),
        ("warehouse", False),
    ]:
        client.force_login(make_user(role))
        page = client.get("/")
        assert ('href="/price-lists/"' in page.content.decode()) is shown, role


@pytest.mark.rule("R6")
def test_a_price_list_is_drafted_on_the_form_with_two_items_and_submitted(
    client, manager, products
):
    client.force_login(manager)
    form = client.get("/price-lists/new/")
    assert form.status_code == 200
    assert len(form.context["formset"].forms) == 5
    assert products[0].code in form.content.decode()  # the product select

    empty = {"product": "", "list_price": "", "floor_price": ""}
    response = client.post(
        "/price-lists/new/",
        form_data([row(products[0]), row(products[1], "80.50", "75.00"), empty, empty]),
    )

    price_list = PriceList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/price-lists/{price_list.pk}/"
    assert [(i.product, i.list_price, i.floor_price) for i in price_list.items.all()] == [
        (products[0], Decimal("1200.00"), Decimal("1000.00")),
        (products[1], Decimal("80.50"), Decimal("75.00")),
    ]
    detail = client.get(f"/price-lists/{price_list.pk}/")
    html = detail.content.decode()
    assert "Submit for approval" in html
    assert "80.50" in html and products[1].name in html
    assert client.post(f"/price-lists/{price_list.pk}/submit/").status_code == 302
    price_list.refresh_from_db()
    assert price_list.status == "pending"
    after = client.get(f"/price-lists/{price_list.pk}/").content.decode()
    assert "Submit for approval" not in after
    assert "General manager" in after.split('id="approval"')[1]


@pytest.mark.rule("R6")
def test_form_errors_are_shown_beside_the_fields_and_nothing_is_written(client, manager, products):
    client.force_login(manager)

    response = client.post(
        "/price-lists/new/",
        form_data([row(products[0], list_price="abc")], name="", valid_from="someday"),
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "valid_from"}
    assert response.context["formset"].forms[0].errors.keys() == {"list_price"}
    html = response.content.decode()
    assert 'id="id_name_error"' in html
    assert 'id="id_items-0-list_price_error"' in html
    assert nothing_written()


@pytest.mark.rule("R6")
def test_the_services_refusals_are_shown_beside_the_fields_they_name(client, manager, products):
    client.force_login(manager)

    response = client.post(
        "/price-lists/new/",
        form_data(
            [row(products[0]), row(products[1], "10.00", "12.00"), row(products[0])],
            valid_to="2024-06-30",
        ),
    )

    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["valid_to"]
    assert "before the start" in str(response.context["form"].errors["valid_to"])
    assert nothing_written()

    response = client.post(
        "/price-lists/new/",
        form_data([row(products[0]), row(products[1], "10.00", "12.00"), row(products[0])]),
    )

    assert response.status_code == 400
    rows = response.context["formset"].forms
    assert "above the list price" in str(rows[1].errors["floor_price"])
    assert "twice" in str(rows[2].errors["product"])
    assert 'id="id_items-1-floor_price_error"' in response.content.decode()
    assert nothing_written()


@pytest.mark.rule("R6")
def test_a_list_without_items_is_refused_on_the_form(client, manager):
    client.force_login(manager)
    empty = {"product": "", "list_price": "", "floor_price": ""}

    response = client.post("/price-lists/new/", form_data([empty, empty]))

    assert response.status_code == 400
    assert "Add at least one product." in response.context["items_errors"]
    assert 'id="items-errors"' in response.content.decode()
    assert nothing_written()


@pytest.mark.rule("R6")
def test_roles_that_do_not_author_cannot_open_the_form(client, clerk, products):
    client.force_login(clerk)

    assert client.get("/price-lists/new/").status_code == 403
    assert client.post("/price-lists/new/", form_data([row(products[0])])).status_code == 403
    assert nothing_written()
    assert b"New price list" not in client.get("/price-lists/").content


@pytest.mark.rule("R6", "R24")
def test_the_author_edits_a_draft_and_the_history_shows_what_changed(client, manager, products):
    price_list = draft(manager, products[:2])
    client.force_login(manager)

    form = client.get(f"/price-lists/{price_list.pk}/edit/")
    assert form.status_code == 200
    assert [f.initial["product"] for f in form.context["formset"].initial_forms] == [
        products[0].pk,
        products[1].pk,
    ]
    data = form_data(
        [
            row(products[0], "120.00", "80.00"),
            {**row(products[1], "100.00", "80.00"), "DELETE": "on"},
            row(products[2], "60.00", "55.00"),
        ],
        name="价格表（修订）",
        **{"items-INITIAL_FORMS": "2"},
    )
    response = client.post(f"/price-lists/{price_list.pk}/edit/", data)

    assert response.status_code == 302, response.context and response.context["form"].errors
    assert sorted(price_list.items.values_list("product", "list_price")) == sorted(
        [(products[0].pk, Decimal("120.00")), (products[2].pk, Decimal("60.00"))]
    )
    detail = client.get(f"/price-lists/{price_list.pk}/")
    edit_row, created_row = detail.context["history"][0], detail.context["history"][1]
    assert (edit_row["kind"], edit_row["user"]) == ("~", manager)
    changes = {c["field"]: (c["old"], c["new"]) for c in edit_row["changes"]}
    assert changes["name"] == ("价格表", "价格表（修订）")
    assert changes[f"Item {products[0]}"] == (
        "list 100.00, floor 80.00",
        "list 120.00, floor 80.00",
    )
    assert changes[f"Item {products[1]}"] == ("list 100.00, floor 80.00", "")
    assert changes[f"Item {products[2]}"] == ("", "list 60.00, floor 55.00")
    assert created_row["kind"] == "+"
    assert len(created_row["changes"]) == 2  # the two items it was created with
    html = detail.content.decode().split('id="history"')[1]
    assert "manager.wang" in html and "价格表（修订）" in html


@pytest.mark.rule("R6")
def test_someone_else_cannot_edit_a_draft_on_the_page(client, manager, gm, products):
    price_list = draft(manager, products[:1])
    client.force_login(gm)

    assert client.get(f"/price-lists/{price_list.pk}/edit/").status_code == 302
    response = client.post(
        f"/price-lists/{price_list.pk}/edit/", form_data([row(products[0])], name="改名")
    )

    assert response.status_code == 400
    assert "Only the author" in " ".join(response.context["form"].non_field_errors())
    price_list.refresh_from_db()
    assert price_list.name == "价格表"
    detail = client.get(f"/price-lists/{price_list.pk}/")
    assert not detail.context["can_edit"]
    assert b"Submit for approval" not in detail.content


@pytest.mark.rule("R6")
def test_an_overlap_refused_at_submit_is_shown_on_the_page(client, api, manager, gm, products):
    active(api, manager, gm, products[:1], start=date(2025, 1, 1), end=None)
    price_list = draft(manager, products[:1], start=date(2026, 1, 1), end=None)
    client.force_login(manager)

    response = client.post(f"/price-lists/{price_list.pk}/submit/", follow=True)

    assert "overlaps the active price list" in response.content.decode()
    price_list.refresh_from_db()
    assert price_list.status == "draft"


@pytest.mark.rule("R6")
def test_a_rejected_list_shows_the_general_managers_comment_to_its_author(
    client, api, manager, gm, products
):
    price_list = submitted(manager, products[:1])
    api.as_user(gm).post(
        f"/api/v1/approvals/{approval_of(price_list).pk}/reject/",
        {"comment": "底价低于成本"},
        format="json",
    )
    client.force_login(manager)

    response = client.get(f"/price-lists/{price_list.pk}/")

    html = response.content.decode()
    returned = html.split('id="returned"')[1].split("</div>")[0]
    assert "底价低于成本" in returned and "gm.chen" in returned and "General manager" in returned
    assert "Submit for approval" in html  # back in draft, the author may submit again
    listing = client.get("/price-lists/").content.decode()
    assert "returned" in listing


@pytest.mark.rule("R6")
def test_the_general_manager_decides_from_the_page_and_closes_an_active_list(
    client, manager, gm, products
):
    price_list = submitted(manager, products[:1])
    client.force_login(gm)

    pending = client.get(f"/price-lists/{price_list.pk}/")
    assert pending.context["may_decide"]
    assert f"/approvals/{approval_of(price_list).pk}/" in pending.content.decode()
    client.post(
        f"/approvals/{approval_of(price_list).pk}/decide/", {"decision": "approve", "comment": ""}
    )
    price_list.refresh_from_db()
    assert price_list.status == "active"
    page = client.get(f"/price-lists/{price_list.pk}/")
    assert page.context["can_close"]
    assert "Close price list" in page.content.decode()

    assert client.post(f"/price-lists/{price_list.pk}/close/").status_code == 302
    price_list.refresh_from_db()
    assert price_list.status == "closed"


@pytest.mark.rule("R6")
def test_a_manager_sees_no_close_button_and_cannot_close(client, api, manager, gm, products):
    price_list = active(api, manager, gm, products[:1])
    client.force_login(manager)

    page = client.get(f"/price-lists/{price_list.pk}/")
    assert "Close price list" not in page.content.decode()
    client.post(f"/price-lists/{price_list.pk}/close/")

    price_list.refresh_from_db()
    assert price_list.status == "active"


@pytest.mark.rule("R6", "R21")
def test_the_author_withdraws_a_pending_list_to_draft(client, manager, products):
    price_list = submitted(manager, products[:1])
    client.force_login(manager)

    assert client.post(f"/price-lists/{price_list.pk}/withdraw/").status_code == 302

    price_list.refresh_from_db()
    assert price_list.status == "draft"
    assert approval_of(price_list).status == RequestStatus.WITHDRAWN


@pytest.mark.rule("R6")
def test_the_list_page_searches_filters_and_paginates(client, clerk, manager, products):
    for year in range(2001, 2031):
        draft(manager, products[:1], start=date(year, 1, 1), end=None, name=f"价格表 {year}")
    submitted(manager, products[:1], start=date(2040, 1, 1), end=None, name="待审批")
    client.force_login(clerk)

    first = client.get("/price-lists/")
    assert first.status_code == 200
    assert first.context["page_obj"].paginator.count == 31
    assert len(first.context["page_obj"].object_list) == 25
    assert "page=2" in first.content.decode()
    assert [
        p.name for p in client.get("/price-lists/", {"status": "pending"}).context["page_obj"]
    ] == ["待审批"]
    assert [p.name for p in client.get("/price-lists/", {"q": "2007"}).context["page_obj"]] == [
        "价格表 2007"
    ]


@pytest.mark.rule("R6")
def test_list_and_detail_pages_keep_their_query_counts_bounded(
    client, api, manager, gm, products, django_assert_max_num_queries
):
    lists = []
    for year in range(2001, 2013):
        price_list = submitted(manager, products, start=date(year, 1, 1), end=date(year, 12, 31))
        if year % 2:
            approve(api, gm, price_list)
        lists.append(price_list)
    client.force_login(manager)
    client.get("/price-lists/")  # warm the session

    few = queries(lambda: client.get(f"/price-lists/{lists[0].pk}/"))
    with django_assert_max_num_queries(15):
        assert client.get("/price-lists/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/price-lists/{lists[0].pk}/").status_code == 200
    # more items and more edits do not cost more queries on the detail page
    many_items = draft(manager, [*products, *[ProductFactory() for _ in range(10)]])
    assert queries(lambda: client.get(f"/price-lists/{many_items.pk}/")) <= few
