"""Reads for inventory: warehouses, stock, and the fulfilment documents (R10–R15) with the
visibility of R23 applied — a clerk sees the documents of the customers they own."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from contracts.models import ContractLedger
from core.db import reporting
from core.errors import InvalidInput, NotVisible
from core.history import document_transitions
from core.listing import apply_shared
from core.permissions import visible_to
from core.prefetch import carries, set_prefetched
from core.spreadsheets import Kind, Sheet, field_column, person
from inventory.models import (
    PRODUCTION_COUNTED,
    SHIPPING_COUNTED,
    GoodsReceipt,
    GoodsReceiptStatus,
    ProductionNotice,
    ProductionNoticeLine,
    ServiceDispatch,
    ShippingNotice,
    ShippingNoticeLine,
    ShippingNoticeStatus,
    StockLevel,
    Warehouse,
)
from sales.models import Product


def warehouse_list(*, search: str = "", active: bool | None = None) -> QuerySet[Warehouse]:
    qs = Warehouse.objects.all()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("code")


def stock_list(*, product: int | None = None, warehouse: int | None = None, search: str = ""):
    """Stock per product and warehouse (on hand, reserved, available), product and warehouse
    joined: one query for a page."""

    qs = StockLevel.objects.select_related("product", "warehouse")
    if product is not None:
        qs = qs.filter(product_id=product)
    if warehouse is not None:
        qs = qs.filter(warehouse_id=warehouse)
    if search:
        qs = qs.filter(Q(product__code__icontains=search) | Q(product__name__icontains=search))
    return qs.order_by("warehouse__code", "product__code")


# --- fulfilment documents (R10–R15), with visibility (R23) ---------------------------------------


def _filtered(qs, *, status: str, contract: int | None, search: str, extra=(), **shared):
    """The filters every fulfilment document list has: status, contract, a search over its
    number, its contract's number and its customer's name (plus `extra` fields), and those
    every list shares (`core.listing`: customer and author by name, the dates created)."""
    qs = apply_shared(qs, **shared)
    if status:
        qs = qs.filter(status=status)
    if contract:
        qs = qs.filter(contract_id=contract)
    if search:
        query = (
            Q(number__icontains=search)
            | Q(contract__number__icontains=search)
            | Q(customer__name__icontains=search)
        )
        for field in extra:
            query |= Q(**{f"{field}__icontains": search})
        qs = qs.filter(query)
    return qs.order_by("-created_at", "-id")


def _get(qs, pk):

    document = qs.filter(pk=pk).first()
    if document is None:
        raise NotVisible()
    return document


def production_notice_list(
    *, user, status: str = "", contract: int | None = None, search="", **shared
):
    """Production notices, newest first, lines and products prefetched (planner's board)."""

    qs = ProductionNotice.objects.select_related(
        "contract", "customer", "created_by"
    ).prefetch_related(
        Prefetch("lines", ProductionNoticeLine.objects.select_related("product", "contract_line"))
    )
    qs = visible_to(qs, user)
    return _filtered(qs, status=status, contract=contract, search=search, **shared)


def production_notice_get(*, user, notice_id: int):
    return _get(production_notice_list(user=user), notice_id)


def production_progress(notices) -> dict[int, list[dict]]:
    """Per notice: per line, the quantity ordered and the quantity received on posted goods
    receipts against the notice (R10 progress), with the ratio 0–1. Receipts name the product,
    not the line: where two lines share a product, what was received fills them in line order.
    One query for all."""
    notices = list(notices)
    received = {
        (row["production_notice"], row["product"]): row["total"]
        for row in GoodsReceipt.objects.filter(
            production_notice__in=notices, status=GoodsReceiptStatus.POSTED
        )
        .values("production_notice", "product")
        .annotate(total=Sum("quantity"))
    }
    progress = {}
    for notice in notices:
        rows = []
        left = {}
        for line in notice.lines.all():
            key = (notice.pk, line.product_id)
            pool = left.setdefault(key, received.get(key, Decimal("0")))
            got = min(pool, line.quantity)
            left[key] = pool - got
            rows.append(
                {
                    "line": line,
                    "product": line.product,
                    "quantity": line.quantity,
                    "received": got,
                    "ratio": min(got / line.quantity, 1) if line.quantity else 0,
                }
            )
        progress[notice.pk] = rows
    return progress


def goods_receipt_list(
    *, status: str = "", product: int | None = None, notice: int | None = None, search: str = ""
):
    """Goods receipts, oldest recorded first when waiting for QC, else newest first."""

    qs = GoodsReceipt.objects.select_related(
        "product", "warehouse", "production_notice", "created_by", "confirmed_by"
    )
    if status:
        qs = qs.filter(status=status)
    if product:
        qs = qs.filter(product_id=product)
    if notice:
        qs = qs.filter(production_notice_id=notice)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(qc_certificate_no__icontains=search)
            | Q(product__code__icontains=search)
        )
    if status == GoodsReceiptStatus.RECORDED:
        return qs.order_by("created_at", "id")
    return qs.order_by("-created_at", "-id")


def goods_receipt_get(*, receipt_id: int):
    return _get(goods_receipt_list(), receipt_id)


def shipping_notice_list(
    *,
    user,
    status: str = "",
    contract: int | None = None,
    customer: int | None = None,
    warehouse: int | None = None,
    search: str = "",
    **shared,
):
    """Shipping notices the user may see (R23), newest first, lines and products prefetched;
    `shared`: the filters every list shares (`core.listing.apply_shared`)."""

    qs = ShippingNotice.objects.select_related(
        "contract",
        "customer",
        "warehouse",
        "created_by",
        "issued_by",
        "exited_by",
        "delivery_recorded_by",
    ).prefetch_related(
        Prefetch("lines", ShippingNoticeLine.objects.select_related("product", "contract_line"))
    )
    qs = visible_to(qs, user)
    if customer:
        qs = qs.filter(customer_id=customer)
    if warehouse:
        qs = qs.filter(warehouse_id=warehouse)
    return _filtered(
        qs, status=status, contract=contract, search=search, extra=("gate_pass_no",), **shared
    )


def shipping_notice_get(*, user, notice_id: int):
    return _get(shipping_notice_list(user=user), notice_id)


NOTICE_PEOPLE = ("created_by", "issued_by", "exited_by", "delivery_recorded_by")


def shipping_notice_completed(notice: ShippingNotice, *, user) -> ShippingNotice | None:
    """A notice a service has just written (its row as committed, R23 checked by the service,
    its contract and customer loaded under the service's lock), completed with what
    `shipping_notice_get` joins for the API's answer, instead of reading it again through an
    eight-table join (issue 14): the people not loaded yet in one query (`user`, the caller,
    counts as loaded), its lines and their products in one query unless the service has
    them. None when the service did not leave the contract or the customer loaded."""
    if not carries(notice, "contract", "customer"):
        return None
    people = {user.pk: user}
    wanted = set()
    for name in NOTICE_PEOPLE:
        field = ShippingNotice._meta.get_field(name)
        person_id = getattr(notice, field.attname)
        if person_id is not None and not field.is_cached(notice) and person_id not in people:
            wanted.add(person_id)
    if wanted:
        people.update(get_user_model().objects.in_bulk(wanted))
    for name in NOTICE_PEOPLE:
        field = ShippingNotice._meta.get_field(name)
        person_id = getattr(notice, field.attname)
        if person_id in people and not field.is_cached(notice):
            setattr(notice, name, people[person_id])
    if not carries(notice, "lines.product"):
        set_prefetched(notice, "lines", notice.lines.select_related("product"))
    return notice


def gate_pass_number(value) -> str:
    """A gate pass number as typed or scanned: trimmed, upper case, no NUL (a scanner's)."""
    return str(value or "").replace("\x00", "").strip().upper()[:40]


def shipping_notice_by_gate_pass(gate_pass_no) -> ShippingNotice:
    """The notice a gate pass number belongs to (security's check), or a 400 naming the field."""
    number = gate_pass_number(gate_pass_no)
    if not number:
        raise InvalidInput(errors={"gate_pass_no": [_("Type or scan the gate pass number.")]})
    notice = (
        ShippingNotice.objects.select_related("customer", "contract", "warehouse")
        .filter(gate_pass_no=number)
        .first()
    )
    if notice is None:
        raise InvalidInput(errors={"gate_pass_no": [_("No shipment has this gate pass number.")]})
    return notice


def picking_list(*, warehouse: int | None = None) -> list[dict]:
    """The warehouse's picking list (R13): approved notices, the earliest validity first.
    Stock is served in approval order — a notice's reservation is honoured before those of
    notices approved after it — so each product line shows the stock on hand, what earlier
    approved notices of the warehouse hold (`ahead`), what is left for this notice
    (`for_notice` = on hand − ahead) and whether that covers the notice's quantity of the
    product (`enough`). `can_issue`: every product covered and not expired — exactly what
    `shipping_notice_issue` checks. Three queries in all."""
    notices = list(_picking_notices(warehouse))
    keys = {(line.product_id, n.warehouse_id) for n in notices for line in n.lines.all()}
    levels = {
        (level.product_id, level.warehouse_id): level
        for level in StockLevel.objects.filter(
            product_id__in={k[0] for k in keys}, warehouse_id__in={k[1] for k in keys}
        )
    }
    # What each notice needs per product, and what the notices approved before it hold.
    needs = {n.pk: _quantities_per_product(n) for n in notices}
    ahead: dict[tuple[int, int], dict[int, Decimal]] = {}
    running: dict[tuple[int, int], Decimal] = {}
    for notice in sorted(notices, key=lambda n: (n.approved_at or timezone.now(), n.pk)):
        for product_id, quantity in needs[notice.pk].items():
            key = (product_id, notice.warehouse_id)
            ahead.setdefault(key, {})[notice.pk] = running.get(key, Decimal("0"))
            running[key] = running.get(key, Decimal("0")) + quantity
    today = timezone.localdate()
    rows = []
    for notice in notices:
        lines = []
        for line in notice.lines.all():
            key = (line.product_id, notice.warehouse_id)
            level = levels.get(key)
            on_hand = level.on_hand if level else Decimal("0")
            held = ahead[key][notice.pk]
            lines.append(
                {
                    "line": line,
                    "on_hand": on_hand,
                    "reserved": level.reserved if level else Decimal("0"),
                    "available": level.available if level else Decimal("0"),
                    "ahead": held,
                    "for_notice": max(on_hand - held, Decimal("0")),
                    "enough": on_hand - held >= needs[notice.pk][line.product_id],
                }
            )
        rows.append(
            {
                "notice": notice,
                "lines": lines,
                "expired": notice.valid_until < today,
                "can_issue": notice.valid_until >= today and all(x["enough"] for x in lines),
            }
        )
    return rows


def _quantities_per_product(notice) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = {}
    for line in notice.lines.all():
        totals[line.product_id] = totals.get(line.product_id, Decimal("0")) + line.quantity
    return totals


def _picking_notices(warehouse):

    qs = (
        ShippingNotice.objects.filter(status=ShippingNoticeStatus.APPROVED)
        .select_related("contract", "customer", "warehouse")
        .prefetch_related(Prefetch("lines", ShippingNoticeLine.objects.select_related("product")))
    )
    if warehouse:
        qs = qs.filter(warehouse_id=warehouse)
    return qs.order_by("valid_until", "approved_at", "id")


def service_dispatch_list(
    *, user, status: str = "", contract: int | None = None, search: str = "", **shared
):

    qs = visible_to(
        ServiceDispatch.objects.select_related(
            "contract", "customer", "created_by", "completed_by"
        ),
        user,
    )
    return _filtered(qs, status=status, contract=contract, search=search, **shared)


def service_dispatch_get(*, user, dispatch_id: int):
    return _get(service_dispatch_list(user=user), dispatch_id)


# --- what is already committed against a contract's lines (R10, R12) ---------------------------


def contract_lines_committed(contract_lines, *, exclude_notice=None) -> dict[int, dict]:
    """R12, the one definition of "already shipped or on open notices": per contract line of
    `contract_lines` (lines, ids or a queryset of them), the quantity, net and tax on shipping
    notices that count (SHIPPING_COUNTED: submitted, approved, issued, shipped, delivered — a
    draft reserves nothing), other than `exclude_notice`. Lines with none are absent. The
    shipping services check `over_shipment` and price a notice with it (under the contract's
    lock); the notice's form shows what is left with it. One query."""
    rows = (
        ShippingNoticeLine.objects.filter(
            contract_line__in=contract_lines, notice__status__in=SHIPPING_COUNTED
        )
        .exclude(notice=exclude_notice)
        .values("contract_line")
        .annotate(quantity=Sum("quantity"), net=Sum("net"), tax=Sum("tax"))
        .order_by()
    )
    return {row["contract_line"]: row for row in rows}


def contract_lines_in_production(contract_lines, *, exclude_notice=None) -> dict[int, Decimal]:
    """R10, the one definition of "already on production notices": per contract line of
    `contract_lines`, the quantity on production notices that count (PRODUCTION_COUNTED:
    submitted, released, completed — a draft or cancelled one does not), other than
    `exclude_notice`. Lines with none are absent. One query."""
    rows = (
        ProductionNoticeLine.objects.filter(
            contract_line__in=contract_lines, notice__status__in=PRODUCTION_COUNTED
        )
        .exclude(notice=exclude_notice)
        .values("contract_line")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    return {row["contract_line"]: row["total"] for row in rows}


def _lines_left(contract, counted: dict[int, Decimal]) -> list[dict]:
    rows = []
    for line in contract.lines.select_related("product").order_by("id"):
        already = counted.get(line.pk) or Decimal("0.000")
        rows.append(
            {
                "line": line,
                "product": line.product,
                "contracted": line.quantity,
                "counted": already,
                "left": line.quantity - already,
            }
        )
    return rows


def contract_lines_left(contract, exclude_notice=None) -> list[dict]:
    """Per line of `contract`: the quantity contracted, the quantity shipped or on open
    notices (`contract_lines_committed`, R12) — without `exclude_notice` — and what is left for
    a new notice. Two queries in all."""
    committed = contract_lines_committed(contract.lines.all(), exclude_notice=exclude_notice)
    return _lines_left(contract, {k: row["quantity"] for k, row in committed.items()})


def production_lines_left(contract, exclude_notice=None) -> list[dict]:
    """Per line of `contract`: the quantity contracted, the quantity on its other production
    notices that count (`contract_lines_in_production`, R10) — without `exclude_notice`, the
    one being edited — and what is left for this notice. Two queries in all."""
    counted = contract_lines_in_production(contract.lines.all(), exclude_notice=exclude_notice)
    return _lines_left(contract, counted)


# -- spreadsheets (issue 11 item 2) -------------------------------------------------------------


@reporting()
def production_notice_sheet(notices) -> Sheet:
    """The production notice list's export: one row per line (product and quantity), the
    notice's fields repeated, from `production_notice_list` (lines prefetched)."""
    columns = [
        field_column(ProductionNotice, "number"),
        field_column(ProductionNotice, "status"),
        field_column(ProductionNotice, "due_date", Kind.DATE),
        field_column(ProductionNotice, "contract"),
        field_column(ProductionNotice, "customer"),
        field_column(Product, "code", label=_("product code")),
        field_column(ProductionNoticeLine, "product"),
        field_column(Product, "specification"),
        field_column(ProductionNoticeLine, "quantity", Kind.QUANTITY),
        field_column(Product, "unit"),
        field_column(ProductionNotice, "created_by"),
        field_column(ProductionNotice, "created_at", Kind.DATETIME),
    ]
    rows = [
        [
            n.number,
            n.get_status_display(),
            n.due_date,
            n.contract.display_number,
            n.customer.name,
            line.product.code,
            line.product.name,
            line.product.specification,
            line.quantity,
            line.product.unit,
            person(n.created_by),
            n.created_at,
        ]
        for n in notices
        for line in n.lines.all()
    ]
    return Sheet(_("Production notices"), "production-notices", columns, rows)


@reporting()
def goods_receipt_sheet(receipts) -> Sheet:
    """The goods receipt list's export, one row per receipt."""
    columns = [
        field_column(GoodsReceipt, "number"),
        field_column(GoodsReceipt, "status"),
        field_column(Product, "code", label=_("product code")),
        field_column(GoodsReceipt, "product"),
        field_column(GoodsReceipt, "quantity", Kind.QUANTITY),
        field_column(Product, "unit"),
        field_column(GoodsReceipt, "warehouse"),
        field_column(GoodsReceipt, "qc_certificate_no"),
        field_column(GoodsReceipt, "production_notice"),
        field_column(GoodsReceipt, "created_by"),
        field_column(GoodsReceipt, "created_at", Kind.DATETIME),
        field_column(GoodsReceipt, "confirmed_by"),
        field_column(GoodsReceipt, "confirmed_at", Kind.DATETIME),
        field_column(GoodsReceipt, "rejection_reason"),
    ]
    rows = [
        [
            r.number,
            r.get_status_display(),
            r.product.code,
            r.product.name,
            r.quantity,
            r.product.unit,
            str(r.warehouse),
            r.qc_certificate_no,
            r.production_notice.number if r.production_notice else "",
            person(r.created_by),
            r.created_at,
            person(r.confirmed_by),
            r.confirmed_at,
            r.rejection_reason,
        ]
        for r in receipts
    ]
    return Sheet(_("Goods receipts"), "goods-receipts", columns, rows)


@reporting()
def shipping_notice_sheet(notices) -> Sheet:
    """The shipping notice list's export: one row per line with its quantity and amounts, the
    notice's fields repeated, from `shipping_notice_list` (lines prefetched)."""
    columns = [
        field_column(ShippingNotice, "number"),
        field_column(ShippingNotice, "status"),
        field_column(ShippingNotice, "contract"),
        field_column(ShippingNotice, "customer"),
        field_column(ShippingNotice, "warehouse"),
        field_column(ShippingNotice, "valid_until", Kind.DATE),
        field_column(Product, "code", label=_("product code")),
        field_column(ShippingNoticeLine, "product"),
        field_column(ShippingNoticeLine, "quantity", Kind.QUANTITY),
        field_column(Product, "unit"),
        field_column(ShippingNoticeLine, "net", Kind.AMOUNT),
        field_column(ShippingNoticeLine, "tax", Kind.AMOUNT),
        field_column(ShippingNoticeLine, "amount", Kind.AMOUNT),
        field_column(ShippingNotice, "gate_pass_no"),
        field_column(ShippingNotice, "created_by"),
        field_column(ShippingNotice, "created_at", Kind.DATETIME),
        field_column(ShippingNotice, "exited_at", Kind.DATETIME),
    ]
    rows = [
        [
            n.number,
            n.get_status_display(),
            n.contract.display_number,
            n.customer.name,
            str(n.warehouse),
            n.valid_until,
            line.product.code,
            line.product.name,
            line.quantity,
            line.product.unit,
            line.net,
            line.tax,
            line.amount,
            n.gate_pass_no or "",
            person(n.created_by),
            n.created_at,
            n.exited_at,
        ]
        for n in notices
        for line in n.lines.all()
    ]
    return Sheet(_("Shipping notices"), "shipping-notices", columns, rows)


@reporting()
def service_dispatch_sheet(dispatches) -> Sheet:
    """The service dispatch list's export, one row per dispatch."""
    columns = [
        field_column(ServiceDispatch, "number"),
        field_column(ServiceDispatch, "status"),
        field_column(ServiceDispatch, "contract"),
        field_column(ServiceDispatch, "customer"),
        field_column(ServiceDispatch, "scheduled_on", Kind.DATE),
        field_column(ServiceDispatch, "description"),
        field_column(ServiceDispatch, "created_by"),
        field_column(ServiceDispatch, "created_at", Kind.DATETIME),
        field_column(ServiceDispatch, "acceptance_report_no"),
        field_column(ServiceDispatch, "completed_by"),
        field_column(ServiceDispatch, "completed_at", Kind.DATETIME),
    ]
    rows = [
        [
            d.number,
            d.get_status_display(),
            d.contract.display_number,
            d.customer.name,
            d.scheduled_on,
            d.description,
            person(d.created_by),
            d.created_at,
            d.acceptance_report_no,
            person(d.completed_by),
            d.completed_at,
        ]
        for d in dispatches
    ]
    return Sheet(_("Service dispatches"), "service-dispatches", columns, rows)


def contract_ledger_moves(ledger, limit: int = 50) -> list[dict]:
    """The shipping notices that moved a contract's ledger (R13, R14), for its history:
    issued adds the notice's gross to `shipped`, delivered to `delivered`; by whom and when,
    from the notices' own history in one query."""
    label = {
        name: ContractLedger._meta.get_field(name).verbose_name for name in ("shipped", "delivered")
    }
    return document_transitions(
        ShippingNotice.history.filter(contract_id=ledger.pk),
        into={
            ShippingNoticeStatus.ISSUED: (label["shipped"], "gross_amount"),
            ShippingNoticeStatus.DELIVERED: (label["delivered"], "gross_amount"),
        },
        limit=limit,
    )
