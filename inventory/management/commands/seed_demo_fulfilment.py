"""`python manage.py seed_demo_fulfilment` (after `seed_demo_sales` and `seed_demo_inventory`;
`seed_demo` runs all three): one contract taken through the whole fulfilment chain by the demo
users, so every role's page has something on it — a released production notice, goods received
and confirmed by QC, a shipment that has left the gate waiting for the clerk to record the
signed copy, an approved notice on the warehouse's picking list, and a service dispatch in
draft. Everything goes through the services and the approval engine, as users would do it, each
service in its own (durable) transaction. Idempotent: it does nothing once a contract exists."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from approvals.services import approval_decide
from contracts.models import Contract
from contracts.services import contract_draft, contract_submit
from inventory import services
from inventory.models import Warehouse
from sales.models import Customer, Order, Product
from sales.services.orders import order_create, order_submit


def _approve_all(document, users_by_role) -> None:
    """Decide every open step of the document's request with the demo user of its role."""
    for _round in range(5):
        document.refresh_from_db()
        request = document.approval_request
        if request is None or request.status != "pending":
            return
        for step in request.steps.filter(status="open"):
            approval_decide(actor=users_by_role[step.role], request_id=request.pk, approve=True)


class Command(BaseCommand):
    help = "Take one demo contract through production, stock, shipping and the gate (idempotent)."

    def handle(self, *args, **options):
        if Contract.objects.exists():
            self.stdout.write("Fulfilment demo data already there.")
            return
        User = get_user_model()
        try:
            user = {u.username: u for u in User.objects.filter(is_superuser=False)}
            by_role = {
                role: user[name]
                for role, name in [
                    ("sales_manager", "manager"),
                    ("credit_controller", "credit"),
                    ("general_manager", "gm"),
                    ("sales_head", "saleshead"),
                    ("finance", "finance"),
                    ("sales_vp", "salesvp"),
                ]
            }
            customer = Customer.objects.get(code="C90002")
            lathe = Product.objects.get(code="P-1001")
            service = Product.objects.get(code="P-3001")
            warehouse = Warehouse.objects.get(code="WH01")
        except (KeyError, Customer.DoesNotExist, Product.DoesNotExist, Warehouse.DoesNotExist):
            raise CommandError(
                "Run `manage.py seed_demo_sales` and `seed_demo_inventory` first "
                "(or `seed_demo`, which runs all three)."
            ) from None
        clerk = user["clerk"]

        order = order_create(
            actor=clerk,
            customer_id=customer.pk,
            lines=[
                {"product": lathe.pk, "quantity": "3", "unit_price": "160000.00"},
                {"product": service.pk, "quantity": "1", "unit_price": "4500.00"},
            ],
            note="演示订单",
            delivery_date=timezone.localdate() + timezone.timedelta(days=30),
            delivery_place=customer.address or "客户厂区",
            payment_method="acceptance_bill",
        )
        order_submit(actor=clerk, order_id=order.pk)
        _approve_all(Order.objects.get(pk=order.pk), by_role)

        contract = contract_draft(actor=clerk, order_id=order.pk)
        contract_submit(actor=clerk, contract_id=contract.pk)
        _approve_all(contract, by_role)
        contract.refresh_from_db()
        lathe_line = contract.lines.get(product=lathe)

        today = timezone.localdate()
        notice = services.production_notice_create(
            actor=user["planner"],
            data={
                "contract": contract.pk,
                "due_date": (today + timezone.timedelta(days=20)).isoformat(),
                "lines": [{"contract_line": lathe_line.pk, "quantity": "3"}],
                "note": "按合同交期排产",
            },
        )
        services.production_notice_submit(actor=user["planner"], notice_id=notice.pk)
        _approve_all(notice, by_role)

        receipt = services.goods_receipt_record(
            actor=user["production"],
            data={
                "product": lathe.pk,
                "warehouse": warehouse.pk,
                "quantity": "3",
                "qc_certificate_no": f"QC-{today.year}-0001",
                "production_notice": notice.pk,
            },
        )
        services.goods_receipt_confirm(actor=user["qc"], receipt_id=receipt.pk)

        def approved(quantity: str):
            shipping = services.shipping_notice_create(
                actor=clerk,
                data={
                    "contract": contract.pk,
                    "warehouse": warehouse.pk,
                    "lines": [{"contract_line": lathe_line.pk, "quantity": quantity}],
                },
            )
            services.shipping_notice_submit(actor=clerk, notice_id=shipping.pk)
            _approve_all(shipping, by_role)
            return shipping

        first = approved("1")
        services.shipping_notice_issue(actor=user["warehouse"], notice_id=first.pk)
        services.shipping_notice_exit(actor=user["security"], notice_id=first.pk)
        approved("2")  # on the picking list

        services.service_dispatch_create(
            actor=clerk,
            data={
                "contract": contract.pk,
                "scheduled_on": (today + timezone.timedelta(days=30)).isoformat(),
                "description": "设备安装调试及操作培训",
            },
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Fulfilment demo: contract {contract.number}, production notice {notice.number}, "
                f"{Decimal('3')} lathes received, one shipment out of the gate, one on the "
                "picking list."
            )
        )
