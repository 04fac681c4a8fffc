"""Gapless numbers (R8): a locked counter row per (series, year)."""

import threading

import pytest
from django.db import connection, transaction

from core.models import NumberCounter
from core.numbering import number_next


@pytest.mark.django_db
def test_numbers_count_up_per_series_and_year():
    with transaction.atomic():
        taken = [number_next(series="contract", year=2026) for _ in range(3)]
        other_year = number_next(series="contract", year=2027)
        other_series = number_next(series="invoice", year=2026)

    assert taken == [1, 2, 3]
    assert (other_year, other_series) == (1, 1)


@pytest.mark.django_db
def test_a_rolled_back_document_gives_its_number_back():
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        number_next(series="contract", year=2026)
        raise Abort

    with transaction.atomic():
        assert number_next(series="contract", year=2026) == 1


@pytest.mark.django_db(transaction=True)
def test_number_next_refuses_to_run_outside_a_transaction():
    with pytest.raises(RuntimeError):
        number_next(series="contract", year=2026)


@pytest.mark.rule("R8")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_get_distinct_gapless_numbers():
    workers, per_worker = 8, 10
    taken: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(workers)

    def work(fail_every: int):
        try:
            start.wait()
            for i in range(per_worker):
                try:
                    with transaction.atomic():
                        n = number_next(series="contract", year=2026)
                        if fail_every and i % fail_every == 0:
                            raise ValueError("document refused")  # rolls the number back
                        with lock:
                            taken.append(n)
                except ValueError:
                    pass
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(3 if w % 2 else 0,)) for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert sorted(taken) == list(range(1, len(taken) + 1))  # no gap, no duplicate
    assert NumberCounter.objects.get(series="contract", year=2026).last == len(taken)
