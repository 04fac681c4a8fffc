"""The API's count above EXACT_COUNT_UP_TO rows is PostgreSQL's estimate, not a COUNT(*) of
the whole list (issue 14: page 1 costs the same at 10 k or 1 M rows); `next` and the pages stay
right whatever the estimate."""

import pytest

from core.api import pagination
from tests.factories import CustomerFactory


def test_count_is_exact_up_to_the_cap(api, manager):
    CustomerFactory.create_batch(7)

    body = api.as_user(manager).get("/api/v1/customers/?page_size=5").json()

    assert body["count"] == 7
    assert len(body["results"]) == 5
    assert body["next"] is not None


@pytest.mark.postgres
def test_above_the_cap_the_count_is_an_estimate_and_next_reads_one_row_beyond(
    api, manager, monkeypatch
):
    monkeypatch.setattr(pagination, "EXACT_COUNT_UP_TO", 3)
    CustomerFactory.create_batch(7)
    client = api.as_user(manager)

    first = client.get("/api/v1/customers/?page_size=5").json()
    last = client.get("/api/v1/customers/?page_size=5&page=2").json()
    past = client.get("/api/v1/customers/?page_size=5&page=3")

    assert first["count"] >= 4  # the planner's estimate, never below the cap + 1
    assert [len(first["results"]), first["next"] is not None] == [5, True]
    assert [len(last["results"]), last["next"], last["previous"] is not None] == [2, None, True]
    assert past.status_code == 404
    codes = [c["code"] for c in first["results"]] + [c["code"] for c in last["results"]]
    assert len(set(codes)) == 7
