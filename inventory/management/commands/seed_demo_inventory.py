"""`python manage.py seed_demo_inventory` (after `seed_demo_sales`): inventory's master data for
the demo — the finished goods warehouse. Idempotent: running it again changes nothing.
`seed_demo` (finance, the last app) runs it between sales' seed and `seed_demo_fulfilment`."""

from django.core.management.base import BaseCommand

from inventory.models import Warehouse

WAREHOUSES = [
    # code, name, address
    ("WH01", "成品库", "厂区 1 号库"),
]


class Command(BaseCommand):
    help = "Load inventory's demo data: the finished goods warehouse (idempotent)."

    def handle(self, *args, **options):
        # A direct write is right here only: seed data sets up the demo, it is not a business
        # action by anyone.
        for code, name, address in WAREHOUSES:
            Warehouse.objects.get_or_create(code=code, defaults={"name": name, "address": address})
        ready = f"Inventory demo data ready: {len(WAREHOUSES)} warehouse."
        self.stdout.write(self.style.SUCCESS(ready))
