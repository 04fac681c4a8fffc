from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from approvals.chains import ApprovalChain, Step, register_default_chain
from approvals.documents import (
    ApprovableDocument,
    approval_is_closed_unapproved,
    approval_is_granted,
    register,
)
from approvals.models import DocumentType
from core.money import DEFAULT_VAT_RATE
from core.roles import Role

# 统一社会信用代码 (18) or the older tax registration number (15): digits and capitals.
tax_id_validator = RegexValidator(
    r"^(?:[0-9A-Z]{15}|[0-9A-Z]{18})$",
    _("Enter the 18-character unified social credit code (or a 15-character tax number)."),
)
phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 ()\-]{4,29}$", _("Enter a phone number: digits, spaces, + ( ) -.")
)


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Customer(models.Model):
    """客户. Credit fields change only through a credit change request (R2)."""

    CREDIT_FIELDS = ("credit_limit", "credit_days", "risk_level")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    tax_id = models.CharField(_("tax id"), max_length=18, blank=True, validators=[tax_id_validator])
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    # R1 defaults; R2: written only by an approved credit change request.
    credit_limit = models.DecimalField(
        _("credit limit"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )
    credit_days = models.PositiveIntegerField(_("credit days"), default=0)
    risk_level = models.CharField(
        _("risk level"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.HIGH
    )
    # R3: kept transactionally by the events that change it (orders, receipts).
    exposure = models.DecimalField(
        _("exposure"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )
    # R4/R18: set by the nightly credit re-evaluation.
    blocked = models.BooleanField(_("blocked"), default=False)
    # The day the credit terms were last approved; the annual review falls due a year later.
    credit_reviewed_on = models.DateField(_("credit reviewed on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])  # R24

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="customer_credit_limit_not_negative"
            ),
            models.UniqueConstraint(
                fields=["tax_id"],
                condition=~Q(tax_id=""),
                name="customer_tax_id_unique",
                violation_error_code="unique",  # so full_clean names the tax_id field
                violation_error_message=_("A customer with this tax id exists."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Contact(models.Model):
    """联系人 of a customer."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """产品: what is sold. Maintained by a superuser or the general manager (DESIGN §2)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    specification = models.CharField(_("specification"), max_length=200, blank=True)
    unit = models.CharField(_("unit"), max_length=20)
    tax_rate = models.DecimalField(
        _("tax rate"),
        max_digits=5,
        decimal_places=4,
        default=DEFAULT_VAT_RATE,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=1), name="product_tax_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CreditChangeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    CANCELLED = "cancelled", _("Cancelled")


class CreditChangeRequest(ConcurrentTransitionMixin, ApprovableDocument):
    """信用变更申请 (R2): proposed by a sales manager or finance, approved by the general
    manager, applied to the customer in the approval's transaction."""

    approval_document_type = DocumentType.CREDIT_CHANGE
    approval_template = "sales/approval/credit_change.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="credit_changes",
    )
    credit_limit = models.DecimalField(_("new credit limit"), max_digits=18, decimal_places=2)
    credit_days = models.PositiveIntegerField(_("new credit days"))
    risk_level = models.CharField(_("new risk level"), max_length=10, choices=RiskLevel.choices)
    reason = models.TextField(_("reason"))
    # The customer's values when the change was applied (for the history on the customer page).
    previous_credit_limit = models.DecimalField(
        _("previous credit limit"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    previous_credit_days = models.PositiveIntegerField(
        _("previous credit days"), null=True, blank=True
    )
    previous_risk_level = models.CharField(
        _("previous risk level"), max_length=10, blank=True, choices=RiskLevel.choices
    )
    status = FSMField(
        _("status"),
        default=CreditChangeStatus.DRAFT,
        choices=CreditChangeStatus.choices,
        protected=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("credit change request")
        verbose_name_plural = _("credit change requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__gte=0), name="creditchange_limit_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.name}"

    def get_absolute_url(self) -> str:
        return reverse("credit-change-detail", args=[self.pk])

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("customer", "created_by")

    def approval_amount(self):
        return self.credit_limit

    @transition(field=status, source=CreditChangeStatus.DRAFT, target=CreditChangeStatus.PENDING)
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=CreditChangeStatus.PENDING,
        target=CreditChangeStatus.APPROVED,
        conditions=[approval_is_granted],
    )
    def approve(self) -> None:
        pass

    @transition(
        field=status,
        source=CreditChangeStatus.PENDING,
        target=CreditChangeStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(field=status, source=CreditChangeStatus.DRAFT, target=CreditChangeStatus.CANCELLED)
    def cancel(self) -> None:
        pass

    def approval_granted(self, *, request, actor) -> None:
        from sales.services.credit import credit_change_apply

        credit_change_apply(change=self, actor=actor)


register(CreditChangeRequest)

# Who approves a credit change (R2; approvals.chains): the general manager.
register_default_chain(
    ApprovalChain(
        DocumentType.CREDIT_CHANGE,
        "信用变更审批 Credit change",
        steps=[Step(Role.GENERAL_MANAGER, sequence=1)],
    )
)


class PriceListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Pending approval")
    ACTIVE = "active", pgettext_lazy("price list status", "Active")
    CLOSED = "closed", _("Closed")


class PriceList(ConcurrentTransitionMixin, ApprovableDocument):
    """价格表 / sales policy (R5, R6): list and floor price per product for a validity
    range, and the commission rate (R9). Active only once the general manager approves it;
    active lists never overlap."""

    approval_document_type = DocumentType.PRICE_LIST
    approval_template = "sales/approval/price_list.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"),
        null=True,
        blank=True,
        help_text=_("Empty: valid until another list replaces it."),
    )
    commission_rate = models.DecimalField(
        _("commission rate"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0200"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    status = FSMField(
        _("status"), default=PriceListStatus.DRAFT, choices=PriceListStatus.choices, protected=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="pricelist_range_in_order",
                violation_error_message=_("The end date is before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(commission_rate__gte=0) & Q(commission_rate__lte=1),
                name="pricelist_commission_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("price-list-detail", args=[self.pk])

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("created_by").prefetch_related(
            models.Prefetch("items", PriceListItem.objects.select_related("product"))
        )

    def approval_amount(self):
        return None

    def approval_customer(self):
        return None

    @transition(field=status, source=PriceListStatus.DRAFT, target=PriceListStatus.PENDING)
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=PriceListStatus.PENDING,
        target=PriceListStatus.ACTIVE,
        conditions=[approval_is_granted],
    )
    def activate(self) -> None:
        pass

    @transition(
        field=status,
        source=PriceListStatus.PENDING,
        target=PriceListStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        pass

    @transition(field=status, source=PriceListStatus.ACTIVE, target=PriceListStatus.CLOSED)
    def close(self) -> None:
        pass

    def approval_granted(self, *, request, actor) -> None:
        from sales.services.price_lists import price_list_activate

        price_list_activate(price_list=self, actor=actor)


register(PriceList)

# Who approves a price list (R6; approvals.chains): the general manager.
register_default_chain(
    ApprovalChain(
        DocumentType.PRICE_LIST,
        "价格表审批 Price list",
        steps=[Step(Role.GENERAL_MANAGER, sequence=1)],
    )
)


class PriceListItem(models.Model):
    """One product on a price list: list price and the floor below which no order goes (R5)."""

    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.CASCADE, related_name="items"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="price_list_items",
    )
    list_price = models.DecimalField(_("list price"), max_digits=18, decimal_places=2)
    floor_price = models.DecimalField(_("floor price"), max_digits=18, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["price_list", "product"],
                name="pricelistitem_product_once",
                violation_error_code="unique",
                violation_error_message=_("The product is on the list twice."),
            ),
            models.CheckConstraint(
                condition=Q(floor_price__gt=0),
                name="pricelistitem_floor_positive",
                violation_error_message=_("Prices must be above zero."),
            ),
            models.CheckConstraint(
                condition=Q(floor_price__lte=models.F("list_price")),
                name="pricelistitem_floor_not_above_list",
                violation_error_message=_("The floor price cannot be above the list price."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.list_price}"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", pgettext_lazy("order status", "Approved")
    CONTRACTED = "contracted", _("Contracted")
    CANCELLED = "cancelled", _("Cancelled")


class CreditStatus(models.TextChoices):
    UNCHECKED = "unchecked", _("Not checked")
    PASSED = "passed", _("Passed")
    HOLD = "hold", _("Credit hold")


class Order(ConcurrentTransitionMixin, ApprovableDocument):
    """合同申报单: the contract application a clerk enters (R3–R7). Its gross counts in the
    customer's exposure from submit until it is returned, cancelled or its contract ends."""

    approval_document_type = DocumentType.ORDER
    approval_template = "sales/approval/order.html"

    number = models.CharField(_("number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="orders"
    )
    price_list = models.ForeignKey(
        PriceList, verbose_name=_("price list"), on_delete=models.PROTECT, related_name="orders"
    )
    status = FSMField(
        _("status"), default=OrderStatus.DRAFT, choices=OrderStatus.choices, protected=True
    )
    credit_status = models.CharField(
        _("credit check"),
        max_length=10,
        choices=CreditStatus.choices,
        default=CreditStatus.UNCHECKED,
    )
    first_payment_ratio = models.DecimalField(
        _("first payment ratio"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.3000"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    net_amount = models.DecimalField(
        _("net amount"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )
    tax_amount = models.DecimalField(
        _("tax amount"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )
    gross_amount = models.DecimalField(
        _("gross amount"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )
    # The gross this order added to the customer's exposure (R3); 0 when it adds none.
    exposure_amount = models.DecimalField(
        _("exposure added"), max_digits=18, decimal_places=2, default=Decimal("0.00")
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("salesperson"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross_amount__gte=0) & Q(net_amount__gte=0) & Q(tax_amount__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(first_payment_ratio__gte=0) & Q(first_payment_ratio__lte=1),
                name="order_first_payment_ratio_range",
            ),
        ]
        indexes = [models.Index(fields=["customer", "status"], name="order_customer_status_idx")]

    def __str__(self) -> str:
        return f"{self.number} {self.customer.name}"

    def get_absolute_url(self) -> str:
        return reverse("order-detail", args=[self.pk])

    @classmethod
    def approval_detail_queryset(cls):
        return cls.objects.select_related("customer", "created_by").prefetch_related(
            models.Prefetch("lines", OrderLine.objects.select_related("product"))
        )

    @transition(field=status, source=OrderStatus.DRAFT, target=OrderStatus.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=OrderStatus.SUBMITTED,
        target=OrderStatus.APPROVED,
        conditions=[approval_is_granted],
    )
    def approve(self) -> None:
        pass

    @transition(
        field=status,
        source=OrderStatus.SUBMITTED,
        target=OrderStatus.DRAFT,
        conditions=[approval_is_closed_unapproved],
    )
    def return_to_draft(self) -> None:
        self.credit_status = CreditStatus.UNCHECKED

    @transition(field=status, source=OrderStatus.DRAFT, target=OrderStatus.CANCELLED)
    def cancel(self) -> None:
        pass

    @transition(field=status, source=OrderStatus.APPROVED, target=OrderStatus.CONTRACTED)
    def mark_contracted(self) -> None:
        pass

    def approval_granted(self, *, request, actor) -> None:
        self.approve()
        self._history_user = actor
        self.save()

    def approval_returned(self, *, request, actor, comment) -> None:
        from sales.services.orders import order_release_exposure

        self.return_to_draft()
        self._history_user = actor
        order_release_exposure(order=self)
        self.save()


register(Order)

# Who approves an order (R7; approvals.chains): the sales manager, the credit controller
# only when the order is on credit hold (R4), then the general manager.
register_default_chain(
    ApprovalChain(
        DocumentType.ORDER,
        "合同申报单审批 Order",
        steps=[
            Step(Role.SALES_MANAGER, sequence=1),
            Step(Role.CREDIT_CONTROLLER, sequence=2, only_on_hold=True),
            Step(Role.GENERAL_MANAGER, sequence=3),
        ],
    )
)


class OrderLine(models.Model):
    """A line of an order: quantity × unit price, tax by the product's rate (DESIGN §3)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    # Field validators name the field in errors (R25); the constraints below are the backstop.
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=18,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"), _("Enter a quantity above zero."))],
    )
    unit_price = models.DecimalField(
        _("unit price"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"), _("The price cannot be negative."))],
    )
    tax_rate = models.DecimalField(
        _("tax rate"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    net = models.DecimalField(_("net"), max_digits=18, decimal_places=2)
    tax = models.DecimalField(_("tax"), max_digits=18, decimal_places=2)
    gross = models.DecimalField(_("gross"), max_digits=18, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="orderline_quantity_positive",
                violation_error_message=_("Enter a quantity above zero."),
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="orderline_price_not_negative",
                violation_error_message=_("The price cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(gross=models.F("net") + models.F("tax")),
                name="orderline_gross_is_net_plus_tax",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} × {self.quantity}"


class CreditReviewReminder(models.Model):
    """The day's email to a credit controller listing customers due for their annual credit
    review; recorded with the send so a rerun of the nightly job sends nothing twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    customers = models.PositiveIntegerField(_("customers listed"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit review reminder")
        verbose_name_plural = _("credit review reminders")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="creditreviewreminder_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


# Who approves a quotation or bid (R27; approvals.chains; the document is not built yet): the
# head of sales, and above 800,000 also the marketing director.
register_default_chain(
    ApprovalChain(
        DocumentType.QUOTATION,
        "报价/投标审批 Quotation",
        steps=[
            Step(Role.SALES_HEAD, sequence=1),
            Step(Role.MARKETING_DIRECTOR, sequence=2, min_amount=Decimal("800000.01")),
        ],
    )
)
