"""`python manage.py seed_demo_sales`: sales' demo data — users (one per role, and a superuser),
customers, products, an active price list and a credit change waiting for the GM. Idempotent:
running it again changes nothing. Passwords are for local use only. `seed_demo` (finance, the
last app) runs it first, then the later apps' seeds."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.roles import Role
from sales.models import Customer, Product

DEMO_PASSWORD = "o2c-demo-2026"

USERS = [
    # username, role, full name
    ("clerk", Role.SALES_CLERK, "李雷"),
    ("clerk2", Role.SALES_CLERK, "韩梅梅"),
    ("manager", Role.SALES_MANAGER, "王经理"),
    ("saleshead", Role.SALES_HEAD, "赵主管"),
    ("gm", Role.GENERAL_MANAGER, "陈总"),
    ("salesvp", Role.SALES_VP, "刘副总"),
    ("planner", Role.PLANNER, "孙计划"),
    ("production", Role.PRODUCTION, "周生产"),
    ("qc", Role.QC, "吴质检"),
    ("warehouse", Role.WAREHOUSE, "郑仓库"),
    ("security", Role.SECURITY, "冯保卫"),
    ("finance", Role.FINANCE, "钱会计"),
    ("financevp", Role.FINANCE_VP, "褚副总"),
    ("credit", Role.CREDIT_CONTROLLER, "卫信用"),
    ("marketing", Role.MARKETING_DIRECTOR, "蒋总监"),
]

CUSTOMERS = [
    # code, name, tax id, owner, contact, phone, address
    (
        "C90001",
        "上海华东机械有限公司",
        "91310000MA1FL0XX1A",
        "clerk",
        "张伟",
        "021-55501234",
        "上海市浦东新区张江路 100 号",
    ),
    (
        "C90002",
        "江苏苏南重工股份有限公司",
        "91320500MA1MXXXX2B",
        "clerk",
        "王芳",
        "0512-66601234",
        "江苏省苏州市工业园区星湖街 200 号",
    ),
    (
        "C90003",
        "浙江之江自动化有限公司",
        "91330100MA2AXXXX3C",
        "clerk2",
        "刘洋",
        "0571-87701234",
        "浙江省杭州市滨江区江南大道 300 号",
    ),
]

PRODUCTS = [
    ("P-1001", "数控车床 CK6150", "CK6150 × 1500", "台", "0.1300"),
    ("P-1002", "立式加工中心 VMC850", "VMC850", "台", "0.1300"),
    ("P-2001", "液压站 HPU-15", "15 kW", "套", "0.1300"),
    ("P-3001", "安装调试服务", "", "次", "0.0600"),
]


class Command(BaseCommand):
    help = "Load sales' demo data: users (one per role), customers, products (idempotent)."

    # No transaction around it all: the services it calls open their own (durable) ones; each
    # step is skipped when its data is there, so a second run changes nothing.
    def handle(self, *args, **options):
        User = get_user_model()
        users = {}
        for username, role, full_name in USERS:
            # A Chinese name is written whole, surname first: it is the first name here so that
            # get_full_name() shows it as people write it (no "Lei Li", no English mixed in).
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": full_name, "email": f"{username}@o2c.local"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=role.value))
            users[username] = user
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "email": "admin@o2c.local"},
        )
        if created:
            admin.set_password(DEMO_PASSWORD)
            admin.save()
        # Direct writes are right here only: seed data sets up the demo, it is not a business
        # action, and a fresh customer gets exactly the R1 defaults.
        for code, name, tax_id, owner, contact, phone, address in CUSTOMERS:
            Customer.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "tax_id": tax_id,
                    "owner": users[owner],
                    "contact_name": contact,
                    "phone": phone,
                    "address": address,
                },
            )
        for code, name, spec, unit, tax_rate in PRODUCTS:
            Product.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "specification": spec,
                    "unit": unit,
                    "tax_rate": Decimal(tax_rate),
                },
            )
        self._approvals(users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(USERS) + 1} users (password {DEMO_PASSWORD!r}), "
                f"{len(CUSTOMERS)} customers, {len(PRODUCTS)} products."
            )
        )

    def _approvals(self, users) -> None:
        """An active price list (through the engine: manager drafts, GM approves) and a credit
        change waiting in the GM's inbox, so the demo shows the approval flow at once."""
        from approvals.services import approval_decide
        from sales.models import CreditChangeRequest, PriceList
        from sales.services.credit import credit_change_create, credit_change_submit
        from sales.services.price_lists import price_list_create, price_list_submit

        if not PriceList.objects.exists():
            today = timezone.localdate()
            items = [
                {"product": p, "list_price": list_price, "floor_price": floor}
                for p, list_price, floor in [
                    (
                        Product.objects.get(code="P-1001"),
                        Decimal("168000.00"),
                        Decimal("150000.00"),
                    ),
                    (
                        Product.objects.get(code="P-1002"),
                        Decimal("420000.00"),
                        Decimal("380000.00"),
                    ),
                    (Product.objects.get(code="P-2001"), Decimal("36000.00"), Decimal("32000.00")),
                    (Product.objects.get(code="P-3001"), Decimal("5000.00"), Decimal("4000.00")),
                ]
            ]
            price_list = price_list_create(
                actor=users["manager"],
                name=f"{today.year} 年标准价格表",
                items=items,
                valid_from=today.replace(month=1, day=1),
                valid_to=None,
                commission_rate=Decimal("0.0200"),
            )
            price_list_submit(actor=users["manager"], price_list_id=price_list.pk)
            price_list.refresh_from_db()
            approval_decide(
                actor=users["gm"],
                request_id=price_list.approval_request.pk,
                approve=True,
                comment="同意执行",
            )
        if not CreditChangeRequest.objects.exists():
            customer = Customer.objects.get(code="C90001")
            change = credit_change_create(
                actor=users["manager"],
                customer_id=customer.pk,
                credit_limit=Decimal("2000000.00"),
                credit_days=60,
                risk_level="medium",
                reason="老客户，近三年回款及时，申请授信 200 万元、账期 60 天。",
            )
            credit_change_submit(actor=users["manager"], change_id=change.pk)
