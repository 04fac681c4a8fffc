"""The filters every list shares (issue 11 item 4): a customer by name (the browser suggests
the names the user may see, R23), a salesperson by name, a date range and a status — parsed
by one form, so a bad value is shown beside its field and not applied, and applied by one set
of queryset helpers the selectors call. Lists add their own filters beside these."""

from datetime import date

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _


class ListFilterForm(forms.Form):
    q = forms.CharField(required=False, label=_("Search"))
    customer = forms.CharField(required=False, label=_("Customer"), max_length=100)
    salesperson = forms.CharField(required=False, label=_("Salesperson"), max_length=100)
    date_from = forms.DateField(required=False, label=_("From"))
    date_to = forms.DateField(required=False, label=_("To"))
    status = forms.ChoiceField(required=False, label=_("Status"))

    def __init__(self, data=None, *, statuses=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["status"].choices = [("", _("all")), *statuses]
        for name in ("date_from", "date_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["customer"].widget.attrs.update(
            {"list": "customer-name-suggestions", "autocomplete": "off"}
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def values(self) -> dict:
        """The valid filters as selector keyword arguments; an invalid one is left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        names = ("customer", "salesperson", "date_from", "date_to", "status")
        values = {
            "search": (data.get("q") or "").strip(),
            **{name: data.get(name) for name in names if name not in self.errors},
        }
        for name in ("customer", "salesperson", "status"):
            values[name] = (values.get(name) or "").strip()
        return values


def by_customer_name(qs: QuerySet, name: str, *, field: str = "customer") -> QuerySet:
    return qs.filter(**{f"{field}__name__icontains": name}) if name else qs


def by_person_name(qs: QuerySet, name: str, *, field: str = "created_by") -> QuerySet:
    """A person typed as people know them: given name, family name, full name or username."""
    if not name:
        return qs
    match = Q()
    for part in name.split():
        match &= (
            Q(**{f"{field}__first_name__icontains": part})
            | Q(**{f"{field}__last_name__icontains": part})
            | Q(**{f"{field}__username__icontains": part})
        )
    return qs.filter(match)


def by_dates(
    qs: QuerySet, start: date | None, end: date | None, *, field: str = "created_at"
) -> QuerySet:
    """Rows whose `field` falls on a day from `start` to `end`, inclusive, in TIME_ZONE (a
    datetime field is compared by its local date)."""
    model_field = qs.model._meta.get_field(field.split("__")[0])
    lookup = f"{field}__date" if model_field.get_internal_type() == "DateTimeField" else field
    if start:
        qs = qs.filter(**{f"{lookup}__gte": start})
    if end:
        qs = qs.filter(**{f"{lookup}__lte": end})
    return qs


def apply_shared(
    qs: QuerySet,
    *,
    customer_name: str = "",
    person: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    customer_field: str = "customer",
    person_field: str = "created_by",
    date_field: str = "created_at",
) -> QuerySet:
    """The shared filters on a list's queryset, each a no-op when empty."""
    qs = by_customer_name(qs, customer_name, field=customer_field)
    qs = by_person_name(qs, person, field=person_field)
    return by_dates(qs, date_from, date_to, field=date_field)


def selector_filters(values: dict) -> dict:
    """`ListFilterForm.values()` as the shared selector keywords: a customer given by id (a
    link from the customer's page) or by name (typed, suggested)."""
    customer = values.get("customer", "")
    return {
        "search": values.get("search", ""),
        "status": values.get("status", ""),
        "customer_id": int(customer) if customer.isdigit() else None,
        "customer_name": "" if customer.isdigit() else customer,
        "person": values.get("salesperson", ""),
        "date_from": values.get("date_from"),
        "date_to": values.get("date_to"),
    }


def list_totals(qs: QuerySet, **amounts: str) -> dict:
    """The totals row of a filtered list: `count`, and Σ of each amount field named (e.g.
    `gross="gross_amount"`) to the cent, in one aggregate query."""
    from django.db.models import Count, Sum

    from core.money import money

    sums = qs.order_by().aggregate(
        count=Count("id"), **{key: Sum(field) for key, field in amounts.items()}
    )
    return {"count": sums["count"], **{key: money(sums[key] or 0) for key in amounts}}
