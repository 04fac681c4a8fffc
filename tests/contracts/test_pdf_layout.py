"""The contract PDF on paper (issue 11 item 6): a short contract on one A4 page with its
signatures, product names never cut, a long contract's table header repeated and its signature
block kept together; the payment article as the terms read (款到发货 / 货到付款)."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from approvals.services import approval_decide
from contracts import services
from contracts.pdf import chinese_ordinal, contract_pdf_bytes, payment_clause
from sales.services.orders import order_create, order_submit
from tests.contracts.test_pdf import active_contract, media  # noqa: F401  (fixtures)
from tests.factories import ProductFactory, active_price_list

pytestmark = pytest.mark.django_db


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.mark.rule("R9")
def test_a_two_line_contract_fits_one_page_with_its_signatures(active_contract):  # noqa: F811
    pages = pages_of(contract_pdf_bytes(active_contract))

    assert len(pages) == 1, [p[-300:] for p in pages]
    assert "乙方（盖章）" in pages[0] and "审批记录" in pages[0]


@pytest.mark.rule("R9")
def test_the_product_name_is_not_cut_inside_a_word(active_contract):  # noqa: F811
    text = "".join(pages_of(contract_pdf_bytes(active_contract)))

    assert "安装调试服务" in text
    assert "数控车床" in text


@pytest.fixture
def long_contract(clerk, customer, manager, gm):
    products = [
        ProductFactory(code=f"P-{5000 + i}", name=f"精密数控加工中心配件{i}号", unit="台")
        for i in range(40)
    ]
    active_price_list(items=[(p, "1000.00", "800.00") for p in products])
    order = order_create(
        actor=clerk,
        customer_id=customer.pk,
        lines=[{"product": p.pk, "quantity": "3", "unit_price": "1000.00"} for p in products],
        first_payment_ratio=Decimal("0.3000"),
    )
    order_submit(actor=clerk, order_id=order.pk)
    order.refresh_from_db()
    approval_decide(actor=manager, request_id=order.approval_request.pk, approve=True)
    approval_decide(actor=gm, request_id=order.approval_request.pk, approve=True)
    return services.contract_draft(actor=clerk, order_id=order.pk)


@pytest.mark.rule("R9")
def test_a_forty_line_contract_repeats_the_header_and_keeps_the_signatures_together(
    long_contract,
):
    pages = pages_of(contract_pdf_bytes(long_contract))

    assert len(pages) >= 2
    assert all("产品名称及规格" in _flat(page) for page in pages if "P-50" in page)
    assert sum(1 for page in pages if "P-50" in page) >= 2  # the table runs on to page 2
    last = pages[-1]
    for words in ("甲方（盖章）", "业务员", "会签", "乙方（盖章）", "授权代表", "审批记录"):
        assert words in last, words
        assert all(words not in page for page in pages[:-1]), words


@pytest.mark.rule("R9")
@pytest.mark.parametrize(
    ("ratio", "days", "says", "never"),
    [
        ("0.3000", 0, ["首付款", "余款于发货前付清", "款到发货"], ["0 天内", "货到付款"]),
        ("0.0000", 0, ["货到付款", "一次付清全部价款"], ["0 天内", "首付款", "款到发货"]),
        ("0.3000", 45, ["首付款", "收到货物并签收之日起 45 天内付清余款"], ["款到", "货到付款"]),
        ("0.0000", 30, ["收到货物并签收之日起 30 天内付清全部价款"], ["首付款", "货到付款"]),
        ("1.0000", 30, ["一次付清合同全部价款", "款到发货"], ["余款", "30 天"]),
    ],
)
def test_the_payment_article_reads_as_the_terms(ratio, days, says, never):
    text = payment_clause(
        first_payment_ratio=Decimal(ratio), credit_days=days, gross=Decimal("100000.00")
    )

    for words in says:
        assert words in text, (words, text)
    for words in never:
        assert words not in text, (words, text)


def test_the_first_payment_is_printed_in_figures_and_words():
    text = payment_clause(
        first_payment_ratio=Decimal("0.3000"), credit_days=45, gross=Decimal("503630.00")
    )

    assert "合同总金额的 30% 作为首付款，计人民币 151,089.00 元（大写：" in text


@pytest.mark.rule("R9")
def test_a_contract_without_credit_days_prints_payment_before_shipment(clerk, approved_order):
    contract = services.contract_draft(
        actor=clerk, order_id=approved_order.pk, terms={"credit_days": 0}
    )

    text = _flat("".join(pages_of(contract_pdf_bytes(contract))))

    assert "款到发货" in text
    assert "0天内" not in text


@pytest.mark.parametrize(
    ("number", "written"),
    [(1, "一"), (5, "五"), (10, "十"), (11, "十一"), (20, "二十"), (24, "二十四")],
)
def test_articles_are_numbered_in_chinese(number, written):
    assert chinese_ordinal(number) == written
