"""Browser pages of the journal (DESIGN §4): the lines by contract, customer or account with
running balances, and the trial balance of a month; each with an XLSX export. For finance,
its VP and the general manager."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.pages import paginate, querystring_without_page
from core.permissions import require_role
from core.spreadsheets import export_response
from finance import selectors
from finance.forms import JournalFilterForm, PeriodForm

PAGE_SIZE = 50


@login_required
def journal_list(request):
    require_role(request.user, *selectors.JOURNAL_READERS)
    filter_form = JournalFilterForm(request.GET)
    ledger = selectors.journal_ledger(**filter_form.journal_filters())
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.journal_sheet(ledger))
    page = paginate(request, ledger.lines, per_page=PAGE_SIZE)
    return render(
        request,
        "finance/journal_list.html",
        {
            "page_obj": page,
            "rows": selectors.journal_rows(ledger, page.object_list),
            "ledger": ledger,
            "totals": selectors.journal_totals(ledger),
            "filter_form": filter_form,
            "query": querystring_without_page(request),
        },
        status=400 if filter_form.errors else 200,
    )


@login_required
def trial_balance(request):
    require_role(request.user, *selectors.JOURNAL_READERS)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return render(request, "finance/trial_balance.html", {"form": form}, status=400)
    balance = selectors.trial_balance(period=form.cleaned_data["period"])
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.trial_balance_sheet(balance))
    return render(request, "finance/trial_balance.html", {"form": form, "balance": balance})
