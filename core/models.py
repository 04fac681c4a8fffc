from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NumberCounter(models.Model):
    """The last number issued in a series for a year; locked while the next one is taken."""

    series = models.CharField(_("series"), max_length=20)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="numbercounter_series_year")
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an `Idempotency-Key`, kept per user (API.md)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    content_type = models.CharField(max_length=100, blank=True)
    body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"

    @property
    def completed(self) -> bool:
        return self.status_code is not None


class ClosedPeriod(models.Model):
    """A closed accounting month (R20): postings dated in it are refused (`period_closed`).
    Finance closes a month once its reconciliation is confirmed; every app that posts checks
    `core.periods.require_open_period`."""

    period = models.CharField(_("period"), max_length=7, unique=True)  # YYYY-MM
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("closed period")
        verbose_name_plural = _("closed periods")
        ordering = ["-period"]

    def __str__(self) -> str:
        return self.period


class PeriodLock(models.Model):
    """One row per month something was posted in: a posting takes it FOR SHARE and a close FOR
    UPDATE (`core.periods`), so a posting and the close of its month never interleave (R20).
    Postings of one month do not wait for each other. `closed` is set and cleared by the close
    and the reopen under that exclusive lock, beside the `ClosedPeriod` row: a posting that
    waited for a close reads the row's new version, so its one locked read knows the month is
    closed (issue 14)."""

    period = models.CharField(_("period"), max_length=7, unique=True)  # YYYY-MM
    closed = models.BooleanField(_("closed"), default=False)

    class Meta:
        verbose_name = _("period lock")
        verbose_name_plural = _("period locks")

    def __str__(self) -> str:
        return self.period


class Holiday(models.Model):
    """A day of the working-day calendar the admin maintains (R26's clock): a public holiday
    (`is_workday` False, skipped), or a 调休 make-up day (`is_workday` True: a Saturday or
    Sunday that is worked). Weekdays not listed are working days, weekends not listed are not
    (`core.workdays`)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(pgettext_lazy("holiday", "name"), max_length=100)
    is_workday = models.BooleanField(
        _("make-up working day"),
        default=False,
        help_text=_("Tick for a weekend day that is worked (调休); leave empty for a holiday."),
    )

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
