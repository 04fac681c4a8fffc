"""The aging report (R18): buckets by days past due per customer with a stacked bar chart drawn
as SVG on the server, the drill-down customer → contracts → dues, an XLSX export."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.spreadsheets import export_response
from finance import selectors
from finance.forms import AsOfForm


def _as_of(request):
    form = AsOfForm(request.GET or None)
    as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
    return form, as_of


def _context(form, report) -> dict:
    return {
        "form": form,
        "report": report,
        "bucket_names": selectors.BUCKETS,
        "labels": selectors.bucket_labels(),
        "as_of_query": f"as_of={report['as_of'].isoformat()}",
    }


@login_required
def aging_report(request):
    form, as_of = _as_of(request)
    report = selectors.aging_report(user=request.user, as_of=as_of)
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.aging_sheet(report))
    context = _context(form, report)
    context["chart"] = selectors.aging_chart(report)
    return render(request, "finance/aging.html", context, status=400 if form.errors else 200)


@login_required
def aging_customer(request, customer_id: int):
    form, as_of = _as_of(request)
    report = selectors.aging_customer(user=request.user, customer_id=customer_id, as_of=as_of)
    return render(request, "finance/aging_customer.html", _context(form, report))


@login_required
def aging_contract(request, contract_id: int):
    form, as_of = _as_of(request)
    report = selectors.aging_contract(user=request.user, contract_id=contract_id, as_of=as_of)
    return render(request, "finance/aging_contract.html", _context(form, report))
