"""Money helpers (DESIGN §3) and 大写金额 for contracts and invoices (R9)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import amount_in_words, document_amounts, line_amounts, money

DIGITS = "零壹贰叁肆伍陆柒捌玖"


def words_to_amount(words: str) -> Decimal:
    """An independent reading of the capitals back into a number."""
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负").removesuffix("整")
    yuan_words, _, cents = words.rpartition("元") if "元" in words else ("", "", words)
    total = section = number = 0
    for ch in yuan_words:
        if ch in DIGITS:
            number = DIGITS.index(ch)
        elif ch in "拾佰仟":
            section += number * {"拾": 10, "佰": 100, "仟": 1000}[ch]
            number = 0
        elif ch == "万":
            section = (section + number) * 10**4
            number = 0
        elif ch == "亿":
            total = (total + section + number) * 10**8
            section = number = 0
    yuan = total + section + number
    jiao = fen = 0
    digit = 0
    for ch in cents:
        if ch in DIGITS:
            digit = DIGITS.index(ch)
        elif ch == "角":
            jiao = digit
        elif ch == "分":
            fen = digit
    return sign * (Decimal(yuan) + Decimal(jiao) / 10 + Decimal(fen) / 100)


@pytest.mark.parametrize(
    "amount, words",
    [
        ("0", "零元整"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("1005", "壹仟零伍元整"),
        ("1050", "壹仟零伍拾元整"),
        ("11300", "壹万壹仟叁佰元整"),
        ("100000", "壹拾万元整"),
        ("105000", "壹拾万伍仟元整"),
        ("100500", "壹拾万零伍佰元整"),
        ("1000100", "壹佰万零壹佰元整"),
        ("100000001", "壹亿零壹元整"),
        ("5300000000000", "伍万叁仟亿元整"),
        ("361600.00", "叁拾陆万壹仟陆佰元整"),
        ("100.05", "壹佰元零伍分"),
        ("10.50", "壹拾元伍角"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("-113.00", "负壹佰壹拾叁元整"),
    ],
)
def test_amounts_in_chinese_capitals(amount, words):
    assert amount_in_words(Decimal(amount)) == words


@given(st.decimals(min_value="-9999999999999999.99", max_value="9999999999999999.99", places=2))
def test_capitals_read_back_to_the_same_amount(amount):
    words = amount_in_words(amount)

    assert words_to_amount(words) == money(amount)
    assert "零零" not in words
    assert not words.endswith("零")


line_specs = st.tuples(
    st.decimals(min_value="0.001", max_value="99999", places=3),
    st.decimals(min_value="0", max_value="9999999", places=2),
    st.sampled_from([Decimal("0"), Decimal("0.0600"), Decimal("0.0900"), Decimal("0.1300")]),
)


@given(st.lists(line_specs, min_size=1, max_size=30))
def test_document_amounts_are_the_sums_of_exact_line_amounts(specs):
    lines = [line_amounts(quantity=q, unit_price=p, tax_rate=r) for q, p, r in specs]

    net, tax, gross = document_amounts(lines)

    assert gross == net + tax
    assert gross == sum(line[2] for line in lines)
    assert all(a == a.quantize(Decimal("0.01")) for a in (net, tax, gross))
    # Rounding happens per line: the document tax differs from round(net × rate) by at most
    # half a cent per line when all lines share a rate.
    if len({r for _, _, r in specs}) == 1:
        rate = specs[0][2]
        assert abs(tax - net * rate) <= Decimal("0.005") * len(lines)
