"""Browser pages of the contract ledger (合同台帐, R18, §4): the list with filters, totals and
an XLSX/CSV export, one contract's figures and one customer's contracts."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from contracts import selectors
from contracts.forms import contract_filters
from contracts.models import ContractLedger
from core.history import counter_moves
from core.pages import paginate, querystring_without_page
from core.spreadsheets import export_response
from sales import selectors as sales_selectors


@login_required
def ledger_list(request):
    filter_form, filters = contract_filters(request.GET)
    contracts = selectors.contract_list(user=request.user, with_lines=False, **filters)
    if "export" in request.GET:
        return export_response(request.GET["export"], selectors.ledger_sheet(contracts))
    page = paginate(request, contracts)
    return render(
        request,
        "contracts/ledger_list.html",
        {
            "page_obj": page,
            "rows": selectors.ledger_rows(page.object_list),
            "totals": selectors.ledger_totals(contracts),
            "filters": filters,
            "filter_form": filter_form,
            "query": querystring_without_page(request),
        },
        status=400 if filter_form.errors else 200,
    )


@login_required
def contract_ledger(request, pk: int):
    contract = selectors.contract_get(user=request.user, contract_id=pk)
    ledger = ContractLedger.objects.filter(contract=contract).first()
    return render(
        request,
        "contracts/contract_ledger.html",
        {
            "contract": contract,
            "ledger": selectors.ledger_figures(contract=contract),
            # The figures move by counters: the history is the documents that moved them.
            "history": counter_moves(ledger) if ledger is not None else [],
            "history_title": _("Documents that moved these figures"),
        },
    )


@login_required
def customer_ledger(request, customer_id: int):
    customer = sales_selectors.customer_get(user=request.user, customer_id=customer_id)
    contracts = selectors.contract_list(
        user=request.user, with_lines=False, customer_id=customer.pk
    )
    if "export" in request.GET:
        sheet = selectors.ledger_sheet(
            contracts, title=customer.name, filename=f"contract-ledger-customer-{customer.pk}"
        )
        return export_response(request.GET["export"], sheet)
    return render(
        request,
        "contracts/customer_ledger.html",
        {
            "customer": customer,
            "rows": selectors.ledger_rows(contracts),
            "totals": selectors.ledger_totals(contracts),
        },
    )
