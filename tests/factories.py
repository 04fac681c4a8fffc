from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from inventory.models import Warehouse
from sales.models import Customer, Product


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("secret-pass-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        # get_or_create: the flush after a transactional test empties the migration's groups.
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    owner = factory.SubFactory(UserFactory, roles=("sales_clerk",))


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"产品{n}")
    unit = "台"
    tax_rate = Decimal("0.1300")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"W{n:02d}")
    name = factory.Sequence(lambda n: f"仓库{n}")


def credit_change(
    *, customer, author, limit="100000.00", days=30, risk="medium", reason="增加额度"
):
    """A draft credit change request through the service (the engine's simplest document)."""
    from sales.services.credit import credit_change_create

    return credit_change_create(
        actor=author,
        customer_id=customer.pk,
        credit_limit=Decimal(limit),
        credit_days=days,
        risk_level=risk,
        reason=reason,
    )


def active_price_list(*, items, valid_from=None, valid_to=None, commission_rate="0.0200"):
    """An active price list made the real way: drafted, submitted, approved by a GM (R6).

    `items`: [(product, list_price, floor_price)]."""
    from django.utils import timezone

    from approvals.services import approval_decide
    from sales.services.price_lists import price_list_create, price_list_submit

    author = UserFactory(roles=("sales_manager",))
    approver = UserFactory(roles=("general_manager",))
    price_list = price_list_create(
        actor=author,
        name="标准价格表",
        valid_from=valid_from or timezone.localdate().replace(month=1, day=1),
        valid_to=valid_to,
        commission_rate=Decimal(commission_rate),
        items=[
            {"product": p, "list_price": Decimal(lp), "floor_price": Decimal(fp)}
            for p, lp, fp in items
        ],
    )
    price_list_submit(actor=author, price_list_id=price_list.pk)
    price_list.refresh_from_db()
    approval_decide(actor=approver, request_id=price_list.approval_request.pk, approve=True)
    price_list.refresh_from_db()
    return price_list
