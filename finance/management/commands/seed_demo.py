"""`python manage.py seed_demo`: the whole demo, each app seeding its own data in dependency order
(DESIGN §5: approvals ← sales ← contracts ← inventory ← finance), so no app reaches into a later
one. Lives in finance, the last app. Idempotent: every step is, so running it twice changes
nothing. Passwords are for local use only (see `seed_demo_sales`)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

# In dependency order. Contracts has no master data of its own: its demo contract is made by
# `seed_demo_fulfilment` from a demo order, through the services, as users would.
STEPS = (
    "seed_demo_sales",  # users, customers, products, price list, a credit change (sales)
    "seed_demo_inventory",  # the warehouse (inventory)
    "seed_demo_fulfilment",  # one contract through production, stock, shipping and the gate
)


class Command(BaseCommand):
    help = "Load the demo data of every app, in dependency order (idempotent)."

    def handle(self, *args, **options):
        for step in STEPS:
            call_command(step, verbosity=options["verbosity"], stdout=self.stdout)
