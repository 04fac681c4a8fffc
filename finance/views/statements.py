"""The statement of account (对账单) page: a customer and a date range (this month so far by
default), its lines with running balances, and the Chinese PDF the customer signs and returns.
R23: a clerk picks only among their own customers (404 for another's)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse

from core.permissions import require_role
from finance import selectors
from finance.forms import StatementForm
from finance.pdf import statement_pdf_response
from sales.selectors import customer_get


@login_required
def customer_statement(request):
    require_role(request.user, *selectors.CUSTOMER_STATEMENT_READERS)
    form = StatementForm(request.GET, user=request.user)
    valid = form.is_valid()
    customer = form.cleaned_data.get("customer") if valid else None
    statement = None
    if customer is not None:
        statement = selectors.customer_statement(
            user=request.user,
            customer_id=customer.pk,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
        if request.GET.get("format") == "pdf":
            return statement_pdf_response(statement)
    return render(
        request,
        "finance/statement.html",
        {"form": form, "statement": statement},
        status=200 if valid else 400,
    )


@login_required
def customer_statement_for(request, pk: int):
    """From the customer's page: this customer's statement, this month so far (R23: 404 for a
    customer the user does not see)."""
    require_role(request.user, *selectors.CUSTOMER_STATEMENT_READERS)
    customer = customer_get(user=request.user, customer_id=pk)
    return redirect(f"{reverse('customer-statement')}?customer={customer.pk}")
