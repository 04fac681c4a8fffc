"""The presales funnel page (issue 15 item 5; R26, R27): filters, the tables, two charts drawn
on the server as SVG and the XLSX export of the same figures. Parse, call the selector, render."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core.errors import InvalidInput
from core.permissions import require_role
from core.spreadsheets import export_response
from sales import selectors_funnel as funnel


def _tables(report: dict) -> dict:
    """The grade tables as rows of cells, in the columns' order."""
    stages, reached, rates = funnel.stage_labels(), funnel.reached_labels(), funnel.rate_labels()

    def lead_row(row):
        return {
            "grade": row["grade"] or "all",
            "label": funnel.grade_label(row["grade"]),
            "cells": [row[s] for s in funnel.STAGES],
            "total": row["total"],
        }

    return {
        "stage_columns": [stages[s] for s in funnel.STAGES],
        "reached_columns": [reached[k] for k in funnel.REACHED],
        "rate_columns": [rates[k] for k, _n, _d in funnel.RATES],
        "lead_rows": [lead_row(row) for row in report["leads"]],
        "lead_total": lead_row(report["leads_total"]),
        "conversion_rows": [
            {
                "grade": row["grade"] or "all",
                "label": funnel.grade_label(row["grade"]),
                "counts": [row[k] for k in funnel.REACHED],
                "rates": [row[k] for k, _n, _d in funnel.RATES],
            }
            for row in report["conversion"]
        ],
    }


@login_required
def lead_funnel(request):
    """Leads by grade and stage, conversion rates, quotations won and lost by month and by
    salesperson; a clerk's covers their own (R23). Bad filters: 400, the error beside the
    field and the default period shown."""
    require_role(request.user, *funnel.FUNNEL_READERS)
    errors = {}
    try:
        query = funnel.funnel_query(
            date_from=request.GET.get("date_from"),
            date_to=request.GET.get("date_to"),
            salesperson=request.GET.get("salesperson"),
        )
    except InvalidInput as error:
        errors = error.errors
        query = funnel.funnel_query()
    report = funnel.funnel_report(user=request.user, query=query)
    if "export" in request.GET and not errors:
        return export_response(request.GET["export"], funnel.funnel_sheets(report))
    typed = {name: request.GET.get(name, "") for name in ("date_from", "date_to", "salesperson")}
    return render(
        request,
        "sales/lead_funnel.html",
        {
            "report": report,
            "errors": errors,
            "typed": typed,
            "charts": funnel.funnel_charts(report),
            **_tables(report),
            "salespeople": funnel.funnel_salespeople(user=request.user)
            if report["everyone"]
            else [],
            "export_query": (
                f"date_from={report['date_from'].isoformat()}"
                f"&date_to={report['date_to'].isoformat()}"
                + (
                    f"&salesperson={report['salesperson'].username}"
                    if report["salesperson"]
                    else ""
                )
            ),
        },
        status=400 if errors else 200,
    )
