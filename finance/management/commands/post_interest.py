"""`manage.py post_interest --period 2026-11`: post a month's overdue interest (R18, R20) as
the system, like the task on the 1st; a second run posts nothing."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from core.system import system_user
from finance.services import interest_post_month
from finance.services.interest import previous_period


class Command(BaseCommand):
    help = "Post the overdue interest of a month (default: the previous month)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM, a month that has ended")

    def handle(self, *args, period=None, **options):
        try:
            result = interest_post_month(actor=system_user(), period=period or previous_period())
        except DomainError as error:
            reasons = [m for msgs in error.errors.values() for m in msgs]
            raise CommandError(" ".join([error.detail, *reasons])) from error
        self.stdout.write(
            "{period}: {posted} contracts posted, {amount} in total; {checked} checked, "
            "{already_posted} already posted before".format(**result)
        )
        return None
