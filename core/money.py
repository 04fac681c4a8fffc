"""Money, quantity and rate helpers (DESIGN §3): Decimal, ROUND_HALF_UP, never a float."""

from decimal import ROUND_HALF_UP, Decimal

MONEY_PLACES = Decimal("0.01")
QUANTITY_PLACES = Decimal("0.001")
RATE_PLACES = Decimal("0.0001")
DEFAULT_VAT_RATE = Decimal("0.1300")

# The largest amount and quantity every supported database keeps exactly. Columns are
# numeric(18, 2) and numeric(18, 3) on PostgreSQL, but SQLite stores decimals as 8-byte floats,
# which keep 15 significant digits: 999999999999999.999 would be saved there and then fail to be
# read back. So values are bounded to 15 digits everywhere (R25: a 400 naming the field).
MAX_AMOUNT = Decimal("9999999999999.99")  # 13 + 2 digits
MAX_QUANTITY = Decimal("999999999999.999")  # 12 + 3 digits


def money(value) -> Decimal:
    return Decimal(value).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)


def quantity(value) -> Decimal:
    return Decimal(value).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)


def rate(value) -> Decimal:
    return Decimal(value).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def within_bounds(value, *, maximum: Decimal) -> bool:
    """True when |value| ≤ `maximum` (MAX_AMOUNT or MAX_QUANTITY): a sum or product a service
    computes is checked with this before it is written."""
    return abs(Decimal(value)) <= maximum


def line_amounts(*, quantity, unit_price, tax_rate) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, gross) of a line (DESIGN §3): net = qty × price, tax = round(net × rate),
    gross = net + tax; each rounded half up to the cent."""
    net = money(Decimal(quantity) * Decimal(unit_price))
    tax = money(net * Decimal(tax_rate))
    return net, tax, net + tax


_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _group_words(n: int) -> str:
    """1..9999 in capitals: 壹仟零伍 for 1005 (one 零 for a run of zeros, none at the end)."""
    words, zero, started = "", False, False
    for digit, unit in zip(f"{n:04d}", ("仟", "佰", "拾", ""), strict=True):
        d = int(digit)
        if d == 0:
            zero = zero or started
            continue
        if zero:
            words += "零"
            zero = False
        words += _DIGITS[d] + unit
        started = True
    return words


def _integer_words(n: int) -> str:
    if n >= 10**8:
        high, low = divmod(n, 10**8)
        words = _integer_words(high) + "亿"
        return words + (("零" if low < 10**7 else "") + _integer_words(low) if low else "")
    if n >= 10**4:
        high, low = divmod(n, 10**4)
        words = _group_words(high) + "万"
        return words + (("零" if low < 1000 else "") + _group_words(low) if low else "")
    return _group_words(n)


def amount_in_words(amount) -> str:
    """大写金额: the amount in Chinese capital numerals as written on contracts and invoices
    (人民币 rules: 元 for the yuan, 角 and 分; 整 after 元 when there are no 角 and 分;
    零 where zeros are skipped, e.g. 壹仟零伍元, 壹佰元零伍分)."""
    value = money(amount)
    sign = "负" if value < 0 else ""
    fen_total = int(abs(value) * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    if fen_total == 0:
        return "零元整"
    words = _integer_words(yuan) + "元" if yuan else ""
    if jiao:
        words += _DIGITS[jiao] + "角"
    if fen:
        if yuan and not jiao:
            words += "零"
        words += _DIGITS[fen] + "分"
    if not jiao and not fen:
        words += "整"
    return sign + words


def document_amounts(lines) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, gross) of a document: the sums of its lines' (net, tax, gross) (DESIGN §3:
    document gross = Σ line gross; never recomputed from the document's net)."""
    net = tax = gross = Decimal("0.00")
    for line_net, line_tax, line_gross in lines:
        net += line_net
        tax += line_tax
        gross += line_gross
    return net, tax, gross
