"""Reads of the sales app — customers, products, credit change requests, price lists, orders and
the customers due for their credit review — with visibility (R23) applied through
`core.permissions.visible_to`. Never imports a service."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from core.db import reporting
from core.errors import NotVisible
from core.history import document_moves, history_rows
from core.listing import apply_shared
from core.money import money
from core.permissions import has_role, sees_all_customers, visible_to
from core.spreadsheets import Kind, Sheet, field_column, keyed_rows, person, yes_no
from sales import leads_clock
from sales.models import (
    CreditChangeRequest,
    CreditStatus,
    Customer,
    Lead,
    LeadContact,
    LeadImport,
    LeadStatus,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    PriceList,
    PriceListItem,
    Product,
    Quotation,
    QuotationLine,
    RiskLevel,
)


def customer_list(
    *,
    user,
    search: str = "",
    risk_level: str = "",
    owner: str = "",
    active: bool | None = None,
    blocked: bool | None = None,
) -> QuerySet[Customer]:
    """The customers `user` may see (R23), filtered, with the owner joined."""
    qs = visible_to(Customer.objects.select_related("owner"), user, owner="owner")
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(code__icontains=search)
            | Q(tax_id__icontains=search)
            | Q(contact_name__icontains=search)
        )
    if risk_level:
        qs = qs.filter(risk_level=risk_level)
    if owner:
        qs = qs.filter(owner__username=owner)
    if active is not None:
        qs = qs.filter(is_active=active)
    if blocked is not None:
        qs = qs.filter(blocked=blocked)
    return qs.order_by("code")


def customer_get(*, user, customer_id: int) -> Customer:
    customer = customer_list(user=user).prefetch_related("contacts").filter(pk=customer_id).first()
    if customer is None:
        raise NotVisible()
    return customer


def customer_credit(*, customer: Customer) -> dict:
    """The credit position of API.md `customers/{id}/credit/` (R3, R4).

    Exposure is the kept counter (R3). The overdue amount is the one owed today on deliveries
    past their due date (R18).
    """

    exposure = money(customer.exposure)
    return {
        "credit_limit": money(customer.credit_limit),
        "credit_days": customer.credit_days,
        "risk_level": customer.risk_level,
        "exposure": exposure,
        "available": money(customer.credit_limit) - exposure,
        "overdue_amount": customer_overdue_amount(customer=customer, as_of=timezone.localdate()),
        "blocked": customer.blocked,
    }


@reporting()
def customer_export_rows(*, user) -> tuple[list[str], list[list]]:
    headers = [
        "code",
        "name",
        "tax_id",
        "contact_name",
        "phone",
        "email",
        "address",
        "owner",
        "credit_limit",
        "credit_days",
        "risk_level",
        "is_active",
    ]
    rows = [
        [
            c.code,
            c.name,
            c.tax_id,
            c.contact_name,
            c.phone,
            c.email,
            c.address,
            c.owner.username,
            str(c.credit_limit),
            c.credit_days,
            c.risk_level,
            "true" if c.is_active else "false",
        ]
        for c in customer_list(user=user)
    ]
    return headers, rows


@reporting()
def customer_sheet(customers) -> Sheet:
    """The customer list's export (issue 11 item 2): what the list shows, in the user's
    language; `customer_import_rows` reads an edited copy back."""
    columns = [
        field_column(Customer, "code"),
        field_column(Customer, "name"),
        field_column(Customer, "tax_id"),
        field_column(Customer, "contact_name"),
        field_column(Customer, "phone"),
        field_column(Customer, "email"),
        field_column(Customer, "address"),
        field_column(Customer, "owner"),
        field_column(Customer, "credit_limit", Kind.AMOUNT),
        field_column(Customer, "credit_days", Kind.INTEGER),
        field_column(Customer, "risk_level", choices=RiskLevel),
        field_column(Customer, "exposure", Kind.AMOUNT),
        field_column(Customer, "is_active"),
    ]
    rows = [
        [
            c.code,
            c.name,
            c.tax_id,
            c.contact_name,
            c.phone,
            c.email,
            c.address,
            person(c.owner),
            c.credit_limit,
            c.credit_days,
            c.get_risk_level_display(),
            c.exposure,
            yes_no(c.is_active),
        ]
        for c in customers
    ]
    return Sheet(_("Customers"), "customers", columns, rows)


def customer_import_rows(rows: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """An uploaded customer file as `customers_import` reads it: an export's translated headers
    and risk labels become field names and codes, an owner named by full name their username
    (left as written when no one or several people bear the name)."""
    keyed = keyed_rows(rows, customer_sheet([]).columns)
    names = {str(r.get("owner") or "").strip() for r in keyed} - {""}
    if not names:
        return keyed
    users = get_user_model().objects.filter(
        Q(username__in=names) | Q(first_name__in={n.split()[0] for n in names})
    )
    usernames = {u.username for u in users}
    by_name: dict[str, list[str]] = {}
    for user in users:
        by_name.setdefault(person(user), []).append(user.username)
    for row in keyed:
        name = str(row.get("owner") or "").strip()
        if name and name not in usernames and len(by_name.get(name, [])) == 1:
            row["owner"] = by_name[name][0]
    return keyed


def product_list(*, search: str = "", active: bool | None = None) -> QuerySet[Product]:
    qs = Product.objects.all()
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("code")


@reporting()
def product_export_rows() -> tuple[list[str], list[list]]:
    headers = ["code", "name", "specification", "unit", "tax_rate", "is_active"]
    rows = [
        [
            p.code,
            p.name,
            p.specification,
            p.unit,
            str(p.tax_rate),
            "true" if p.is_active else "false",
        ]
        for p in product_list()
    ]
    return headers, rows


@reporting()
def product_sheet(products) -> Sheet:
    """The product list's export; `product_import_rows` reads an edited copy back."""
    columns = [
        field_column(Product, "code"),
        field_column(Product, "name"),
        field_column(Product, "specification"),
        field_column(Product, "unit"),
        field_column(Product, "tax_rate", Kind.RATE),
        field_column(Product, "is_active"),
    ]
    rows = [
        [p.code, p.name, p.specification, p.unit, p.tax_rate, yes_no(p.is_active)] for p in products
    ]
    return Sheet(_("Products"), "products", columns, rows)


def product_import_rows(rows: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    return keyed_rows(rows, product_sheet([]).columns)


# --- credit change requests (R2) ----------------------------------------------------------------


def credit_change_list(
    *,
    user,
    search: str = "",
    status: str = "",
    customer_id: int | None = None,
    customer_name: str = "",
    person: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[CreditChangeRequest]:
    """The credit change requests of the customers `user` may see (R23), newest first, with
    the customer and the proposer joined; `person` is the proposer by name."""
    qs = visible_to(CreditChangeRequest.objects.select_related("customer", "created_by"), user)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(customer__code__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    qs = apply_shared(
        qs, customer_name=customer_name, person=person, date_from=date_from, date_to=date_to
    )
    return qs.order_by("-created_at", "-id")


def credit_change_get(*, user, change_id: int) -> CreditChangeRequest:
    change = credit_change_list(user=user).filter(pk=change_id).first()
    if change is None:
        raise NotVisible()
    return change


def customer_credit_changes(*, customer: Customer, limit: int = 50) -> list[CreditChangeRequest]:
    """The customer's credit change requests for its page, newest first (bounded)."""
    return list(
        CreditChangeRequest.objects.filter(customer=customer)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )


# --- price lists (R5, R6) -----------------------------------------------------------------------


def price_list_queryset() -> QuerySet[PriceList]:
    """Price lists with their author and items (and each item's product): two queries for
    any number of lists."""
    return (
        PriceList.objects.select_related("created_by")
        .prefetch_related(Prefetch("items", PriceListItem.objects.select_related("product")))
        .order_by("-valid_from", "-id")
    )


def price_lists_for_page(*, search: str = "", status: str = "") -> QuerySet[PriceList]:
    """For the list page: each list with its author and number of items."""
    qs = PriceList.objects.select_related("created_by").annotate(item_count=Count("items"))
    if search:
        qs = qs.filter(Q(number__icontains=search) | Q(name__icontains=search))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-valid_from", "-id")


def price_list_get(*, price_list_id: int) -> PriceList:
    price_list = price_list_queryset().filter(pk=price_list_id).first()
    if price_list is None:
        raise NotVisible()
    return price_list


def _prices(record) -> str:
    return _("list %(list)s, floor %(floor)s") % {
        "list": record.list_price,
        "floor": record.floor_price,
    }


def price_list_history(*, price_list: PriceList, limit: int = 50) -> list[dict]:
    """The list's change history (R24), newest first, as `core.history.history_rows` gives it,
    with the items each save added, removed or repriced: items are replaced as a whole when a
    draft is saved, so their records are compared per save. Two queries."""
    rows = history_rows(price_list, limit=limit)
    records = (
        PriceListItem.history.filter(price_list_id=price_list.pk)
        .select_related("product")
        .order_by("history_date", "history_id")[: limit * 20]
    )
    saves: dict[int, dict] = {}
    for record in records:
        # The save an item record belongs to: the newest header record not after it.
        row = next((r for r in rows if r["when"] <= record.history_date), None)
        if row is None:
            continue
        side = "before" if record.history_type == "-" else "after"
        saves.setdefault(id(row), {"row": row, "before": {}, "after": {}})[side][
            record.product_id
        ] = record
    for save in saves.values():
        before, after = save["before"], save["after"]
        for product_id in sorted(set(before) | set(after)):
            old, new = before.get(product_id), after.get(product_id)
            if (
                old
                and new
                and (old.list_price, old.floor_price)
                == (
                    new.list_price,
                    new.floor_price,
                )
            ):
                continue
            product = (new or old).product
            save["row"]["changes"].append(
                {
                    "field": _("Item %(product)s") % {"product": product},
                    "old": _prices(old) if old else "",
                    "new": _prices(new) if new else "",
                }
            )
    return rows


# --- orders and credit (R3, R4) ---------------------------------------------------------------


def price_list_active(*, on, with_items: bool = True) -> PriceList | None:
    """The active price list valid on `on` (R5, R6; active lists never overlap), its items
    prefetched unless `with_items` is False (the order services read only the floor prices of
    the products ordered: `products_priced`, `order_lines_priced`)."""
    lists = PriceList.objects.filter(status="active", valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    if with_items:
        lists = lists.prefetch_related("items")
    return lists.first()


def floor_price_on(price_list: PriceList, product):
    """The floor price of `product` (an OuterRef) on `price_list`; NULL when it is not on it."""
    items = PriceListItem.objects.filter(price_list=price_list, product=product)
    return Subquery(items.values("floor_price")[:1])


def products_priced(*, price_list: PriceList, product_ids) -> dict[int, Product]:
    """The products of `product_ids` by id, each with `list_floor_price`: its floor price on
    `price_list`, None when it is not on the list (R5). One query, whatever the list's length."""
    products = Product.objects.filter(pk__in=list(product_ids)).annotate(
        list_floor_price=floor_price_on(price_list, OuterRef("pk"))
    )
    return {product.pk: product for product in products}


def order_lines_priced(*, order: Order, price_list: PriceList) -> list[OrderLine]:
    """The lines of `order` with their products, each product with `list_floor_price` on
    `price_list` as in `products_priced`: the R5 re-check of a submit in one query."""
    lines = list(
        order.lines.select_related("product").annotate(
            list_floor_price=floor_price_on(price_list, OuterRef("product_id"))
        )
    )
    for line in lines:
        line.product.list_floor_price = line.list_floor_price
    return lines


# Deliveries, their due dates and the collected amounts live in later apps (contracts keeps
# them in its ledger); each registers how to read a customer's overdue amount (DESIGN §5).
_OVERDUE_SOURCES: list = []


def register_overdue_source(source) -> None:
    """`source(customer_id=, as_of=) -> Decimal`, registered by a later app in ready()."""
    if source not in _OVERDUE_SOURCES:
        _OVERDUE_SOURCES.append(source)


def customer_overdue_amount(*, customer: Customer, as_of) -> Decimal:
    """Amount past its due date on the customer's deliveries as of `as_of` (R18): due − collected
    per contract, summed, read from the contract ledger through the registered source."""
    return money(
        sum(
            (source(customer_id=customer.pk, as_of=as_of) for source in _OVERDUE_SOURCES),
            Decimal("0"),
        )
    )


@dataclass(frozen=True)
class CreditOutlook:
    """Whether an order of `amount` passes R4's credit check for the customer, and why not:
    `reasons` holds "blocked", "overdue" and "over_limit" in that order, each that applies."""

    amount: Decimal
    limit: Decimal
    exposure: Decimal
    overdue_amount: Decimal
    blocked: bool
    reasons: tuple[str, ...]

    @property
    def passes(self) -> bool:
        return not self.reasons

    @property
    def excess(self) -> Decimal:
        """How far exposure plus the order goes beyond the limit (0 when within)."""
        return max(money(self.exposure + self.amount - self.limit), Decimal("0.00"))

    @property
    def remaining(self) -> Decimal:
        """What is left of the limit once the order is taken (negative beyond it)."""
        return money(self.limit - self.exposure - self.amount)


def order_credit_outlook(*, customer: Customer, amount: Decimal) -> CreditOutlook:
    """R4's credit check as a read, the one `order_submit` decides by (through
    `sales.services.orders.credit_check_passes`, on the customer row it has locked) and the
    order form and page warn with before submit: exposure + amount ≤ limit, nothing overdue,
    not blocked. A limit of 0 means no credit, never "unlimited"."""
    amount = money(amount or 0)
    overdue = customer_overdue_amount(customer=customer, as_of=timezone.localdate())
    reasons = []
    if customer.blocked:
        reasons.append("blocked")
    if overdue > 0:
        reasons.append("overdue")
    if customer.exposure + amount > customer.credit_limit:
        reasons.append("over_limit")
    return CreditOutlook(
        amount=amount,
        limit=money(customer.credit_limit),
        exposure=money(customer.exposure),
        overdue_amount=overdue,
        blocked=customer.blocked,
        reasons=tuple(reasons),
    )


def order_list(
    *,
    user,
    search: str = "",
    status: str = "",
    credit_status: str = "",
    customer_id: int | None = None,
    customer_name: str = "",
    person: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    with_lines: bool = True,
) -> QuerySet[Order]:
    """The orders of the customers `user` may see (R23), newest first, with the customer and
    the salesperson joined and (`with_lines`) the lines and their products prefetched: the
    same few queries for any number of orders. `customer_name`, `person` (the salesperson by
    name) and the dates (created, in TIME_ZONE) are the filters every list shares."""
    qs = Order.objects.select_related("customer", "created_by", "price_list")
    if with_lines:
        qs = qs.prefetch_related(Prefetch("lines", OrderLine.objects.select_related("product")))
    qs = visible_to(qs, user)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(customer__code__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    if credit_status:
        qs = qs.filter(credit_status=credit_status)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    qs = apply_shared(
        qs, customer_name=customer_name, person=person, date_from=date_from, date_to=date_to
    )
    return qs.order_by("-created_at", "-id")


@reporting()
def order_sheet(orders) -> Sheet:
    """The order list's export (issue 11 item 2): `orders` as `order_list` gives them, one
    row per order, amounts as numbers, labels not codes."""
    columns = [
        field_column(Order, "number"),
        field_column(Order, "status"),
        field_column(Order, "credit_status"),
        field_column(Customer, "code", label=_("customer code")),
        field_column(Order, "customer"),
        field_column(Order, "created_by"),
        field_column(Order, "currency"),
        field_column(Order, "first_payment_ratio", Kind.RATE),
        field_column(Order, "net_amount", Kind.AMOUNT),
        field_column(Order, "tax_amount", Kind.AMOUNT),
        field_column(Order, "gross_amount", Kind.AMOUNT),
        field_column(Order, "delivery_date", Kind.DATE),
        field_column(Order, "delivery_place"),
        field_column(Order, "payment_method", choices=PaymentMethod),
        field_column(Order, "created_at", Kind.DATETIME),
        field_column(Order, "submitted_at", Kind.DATETIME),
    ]
    rows = [
        [
            o.number,
            o.get_status_display(),
            o.get_credit_status_display(),
            o.customer.code,
            o.customer.name,
            person(o.created_by),
            o.currency,
            o.first_payment_ratio,
            o.net_amount,
            o.tax_amount,
            o.gross_amount,
            o.delivery_date,
            o.delivery_place,
            o.get_payment_method_display(),
            o.created_at,
            o.submitted_at,
        ]
        for o in orders
    ]
    return Sheet(_("Orders"), "orders", columns, rows)


def order_get(*, user, order_id: int) -> Order:
    # The quotation it came from (R27), if any, joined: no extra query on the order's page.
    order = order_list(user=user).select_related("quotation").filter(pk=order_id).first()
    if order is None:
        raise NotVisible()
    return order


# --- the nightly credit review (R4, R18) ------------------------------------------------------


def _one_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def customers_credit_review_due(*, as_of: date) -> QuerySet[Customer]:
    """Active customers whose credit terms were last reviewed more than a year before `as_of`,
    or never while they have credit (a limit of 0 grants nothing to review)."""
    cutoff = _one_year_before(as_of)
    return (
        Customer.objects.filter(is_active=True)
        .filter(
            Q(credit_reviewed_on__lt=cutoff)
            | Q(credit_reviewed_on__isnull=True, credit_limit__gt=0)
        )
        .order_by("pk")
    )


# Orders that count as business taken (R3): submitted and on their way, not drafts or cancelled.
_TAKEN = (OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.CONTRACTED)


@reporting()
def orders_by_month(*, user, months: int = 6, today: date | None = None) -> list[dict]:
    """The orders `user` may see (R23) submitted in each of the last `months` months up to this
    one: `{"month": date(first day), "count", "gross"}`, oldest first, empty months included;
    one aggregate query (the home page's chart)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    starts = []
    for _i in range(months):
        starts.insert(0, first)
        first = (first - timedelta(days=1)).replace(day=1)
    qs = visible_to(Order.objects.all(), user).filter(
        status__in=_TAKEN, submitted_at__date__gte=starts[0]
    )
    rows = {
        row["month"].date() if hasattr(row["month"], "date") else row["month"]: row
        for row in qs.order_by()
        .annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(count=Count("id"), gross=Sum("gross_amount"))
    }
    return [
        {
            "month": start,
            "count": rows.get(start, {}).get("count", 0),
            "gross": money(rows.get(start, {}).get("gross") or 0),
        }
        for start in starts
    ]


def credit_hold_count(*, user) -> int:
    """Orders waiting on credit hold for the credit controller's release (R4), as `user` sees
    them."""
    return (
        visible_to(Order.objects.all(), user)
        .filter(status=OrderStatus.SUBMITTED, credit_status=CreditStatus.HOLD)
        .count()
    )


def blocked_customer_count(*, user) -> int:
    """Customers the nightly review blocked for overdue amounts (R4), as `user` sees them."""
    return customer_list(user=user, blocked=True).order_by().count()


def customer_exposure_moves(customer: Customer, limit: int = 50) -> list[dict]:
    """R3's exposure, as the history shows it (R24): not edits of the customer but the orders
    that moved it — submitted (+ its gross), cancelled or returned (− what it had added) —
    each by whom and when, read from the orders' own history in one query."""
    return document_moves(
        Order.history.filter(customer_id=customer.pk),
        amount="exposure_amount",
        figure=str(Customer._meta.get_field("exposure").verbose_name),
        limit=limit,
    )


# --- leads 潜在客户 (R26) ---------------------------------------------------------------------

LEAD_READERS = ("sales_clerk", "sales_manager", "sales_head", "general_manager")


def _lead_base(user) -> QuerySet[Lead]:
    """The leads `user` may see: none without a sales role; a clerk their own (R23)."""
    qs = Lead.objects.select_related("owner", "customer")
    if not has_role(user, *LEAD_READERS):
        return qs.none()
    return visible_to(qs, user, owner="owner")


def _overdue_first(qs: QuerySet[Lead], now) -> QuerySet[Lead]:
    return qs.annotate(
        overdue_rank=Case(When(next_contact_due__lt=now, then=Value(0)), default=Value(1))
    ).order_by("overdue_rank", "next_contact_due", "id")


def _lead_filters(qs, *, owner: str = "", status: str = "", grade: str = "", search: str = ""):
    """The lead lists' filters: owner (username), status, grade, and a search on the company,
    the contact person and the phone."""
    if owner:
        qs = qs.filter(owner__username=owner)
    if status:
        qs = qs.filter(status=status)
    if grade:
        qs = qs.filter(grade=grade)
    if search:
        qs = qs.filter(
            Q(company__icontains=search)
            | Q(contact_name__icontains=search)
            | Q(phone__icontains=search)
        )
    return qs


def lead_list(
    *,
    user,
    due: str = "",
    owner: str = "",
    status: str = "",
    grade: str = "",
    search: str = "",
    now=None,
) -> QuerySet[Lead]:
    """The leads `user` may see, filtered; `due=overdue|today` lists open leads only (R26),
    overdue first then by due (leads_clock's definitions)."""
    now = now or timezone.now()
    qs = _lead_filters(_lead_base(user), owner=owner, status=status, grade=grade, search=search)
    if due == "overdue":
        qs = qs.filter(status=LeadStatus.OPEN, next_contact_due__lt=now)
    elif due == "today":
        start, end = leads_clock.today_bounds(now)
        qs = qs.filter(
            status=LeadStatus.OPEN, next_contact_due__gte=start, next_contact_due__lt=end
        )
    if due or status == LeadStatus.OPEN:
        return _overdue_first(qs, now)
    return qs.order_by("-id")


EVERYONE = "*"  # the lists' owner filter: every owner the user may see


def leads_my_follow_ups(
    *,
    user,
    now=None,
    status: str = LeadStatus.OPEN,
    grade: str = "",
    search: str = "",
    owner: str = "",
) -> QuerySet[Lead]:
    """ "My follow-ups": the user's own open leads, overdue first, then by due. Filters: status
    ("" every status; other than open, newest first), grade, search, and — for who sees every
    lead (R23) — another owner's leads or everyone's (`EVERYONE`)."""
    now = now or timezone.now()
    if owner and owner != user.get_username():
        qs = _lead_base(user)
        owner = "" if owner == EVERYONE else owner
    else:
        qs, owner = Lead.objects.select_related("owner").filter(owner=user), ""
    qs = _lead_filters(qs, owner=owner, status=status, grade=grade, search=search)
    return _overdue_first(qs, now) if status == LeadStatus.OPEN else qs.order_by("-id")


def leads_team_overdue(
    *, user, now=None, grade: str = "", search: str = "", owner: str = ""
) -> QuerySet[Lead]:
    """ "Team follow-ups overdue", for the sales manager: every open overdue lead the user may
    see, the most overdue first; filtered by grade, search and owner."""
    now = now or timezone.now()
    qs = _lead_base(user).filter(status=LeadStatus.OPEN, next_contact_due__lt=now)
    owner = "" if owner == EVERYONE else owner
    qs = _lead_filters(qs, owner=owner, grade=grade, search=search)
    return qs.order_by("next_contact_due", "id")


def lead_owner_choices() -> list[tuple[str, str]]:
    """(username, name) of the active users who may own leads, for the lists' owner filter."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=LEAD_READERS)
        .distinct()
        .order_by("username")
    )
    return [(u.username, u.get_full_name() or u.username) for u in users]


def lead_get(*, user, lead_id: int) -> Lead:
    lead = _lead_base(user).filter(pk=lead_id).first()
    if lead is None:
        raise NotVisible()
    return lead


def lead_contacts(*, lead: Lead) -> QuerySet[LeadContact]:
    return lead.contacts.select_related("by").order_by("-contacted_at", "-id")


def leads_due_for_reminder(*, now) -> tuple[QuerySet[Lead], QuerySet[Lead]]:
    """(open leads due today, open leads overdue) for the reminder task (R26), owners joined."""
    start, end = leads_clock.today_bounds(now)
    base = Lead.objects.select_related("owner").filter(status=LeadStatus.OPEN)
    today = base.filter(next_contact_due__gte=start, next_contact_due__lt=end).order_by("id")
    overdue = base.filter(next_contact_due__lt=now).order_by("next_contact_due", "id")
    return today, overdue


# --- quotations and bids 报价/投标 (R27) -------------------------------------------------------


def _quotations_visible(qs: QuerySet[Quotation], user) -> QuerySet[Quotation]:
    """R23: a clerk sees the quotations of their own customers and of their own leads not yet
    converted; every other role sees all (as for orders)."""
    if sees_all_customers(user):
        return qs
    return qs.filter(Q(customer__owner=user) | Q(customer__isnull=True, lead__owner=user))


def quotation_list(
    *,
    user,
    search: str = "",
    status: str = "",
    customer_id: int | None = None,
    lead_id: int | None = None,
    with_lines: bool = True,
) -> QuerySet[Quotation]:
    """The quotations `user` may see (R23), newest first, party and salesperson joined and
    (`with_lines`) the lines prefetched: the same few queries for any number of rows."""
    qs = Quotation.objects.select_related("customer", "lead", "created_by", "order")
    if with_lines:
        qs = qs.prefetch_related(Prefetch("lines", QuotationLine.objects.select_related("product")))
    qs = _quotations_visible(qs, user)
    if search:
        qs = qs.filter(
            Q(number__icontains=search)
            | Q(customer__name__icontains=search)
            | Q(lead__company__icontains=search)
        )
    if status:
        qs = qs.filter(status=status)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if lead_id is not None:
        qs = qs.filter(lead_id=lead_id)
    return qs.order_by("-created_at", "-id")


def quotation_get(*, user, quotation_id: int) -> Quotation:
    quotation = quotation_list(user=user).filter(pk=quotation_id).first()
    if quotation is None:
        raise NotVisible()
    return quotation


# --- lead imports (R26) -------------------------------------------------------------------------


def lead_import_list(*, user) -> QuerySet[LeadImport]:
    """The lead imports `user` may see: their own; every one for who sees every lead (R23)."""
    qs = LeadImport.objects.select_related("created_by").defer("rows")
    if not has_role(user, *LEAD_READERS):
        return qs.none()
    return visible_to(qs, user, owner="created_by")


def lead_import_get(*, user, import_id: int) -> LeadImport:
    batch = (
        visible_to(LeadImport.objects.select_related("created_by"), user, owner="created_by")
        .filter(pk=import_id)
        .first()
    )
    if batch is None or not has_role(user, *LEAD_READERS):
        raise NotVisible()
    return batch
