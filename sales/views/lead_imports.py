"""Browser pages for importing leads from a sheet (issue 15 item 7, R26): upload → preview (bad
rows by row and column, duplicates with a skip/import choice each) → commit → result. Parse,
call one service or selector, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.pages import form_add_domain_error
from sales import selectors
from sales.forms import ImportForm
from sales.models import LeadImportStatus
from sales.services import lead_imports


def _mapping() -> list[tuple[str, str, list[str]]]:
    """(field, label, accepted headers) for the page's table of columns."""
    return [
        (field, lead_imports.field_label(field), [*headers, field])
        for field, headers in lead_imports.HEADERS.items()
    ]


@login_required
@require_http_methods(["GET", "POST"])
def lead_import(request):
    """Upload a sheet; the preview follows on its own page."""
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                batch = lead_imports.lead_import_preview(
                    actor=request.user, upload=form.cleaned_data["file"]
                )
                return redirect("lead-import-detail", pk=batch.pk)
            except DomainError as error:
                form_add_domain_error(form, error)
    else:
        form = ImportForm()
    return render(
        request,
        "sales/lead_import.html",
        {
            "form": form,
            "mapping": _mapping(),
            "required": lead_imports.REQUIRED_COLUMNS,
            "max_rows": lead_imports.max_rows(),
            "imports": selectors.lead_import_list(user=request.user)[:10],
        },
        status=400 if request.method == "POST" else 200,
    )


def _shown(rows: list[dict]) -> list[dict]:
    """The batch's rows with what each duplicate matched by, in words, and where it links."""
    by = {"phone": _("same phone"), "email": _("same email"), "company": _("same company name")}
    kinds = {"lead": _("Lead"), "customer": _("Customer"), "row": _("This sheet")}
    links = {"lead": "lead-detail", "customer": "customer-detail"}
    shown = []
    for row in rows:
        duplicates = [
            {
                **d,
                "by_label": by.get(d["by"], d["by"]),
                "kind_label": kinds.get(d["kind"], d["kind"]),
                "url": reverse(links[d["kind"]], args=[d["id"]]) if d["kind"] in links else "",
            }
            for d in row.get("duplicates", [])
        ]
        shown.append({**row, "duplicates": duplicates})
    return shown


def _detail_page(request, batch, *, error=None):
    rows = _shown(batch.rows)
    return render(
        request,
        "sales/lead_import_detail.html",
        {
            "batch": batch,
            "committed": batch.status == LeadImportStatus.COMMITTED,
            "invalid": [
                r for r in rows if r["status"] == "invalid" or r.get("outcome") == "invalid"
            ],
            "duplicates": [r for r in rows if r["status"] == "duplicate"],
            "new_rows": [r for r in rows if r["status"] == "new"],
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def lead_import_detail(request, pk: int):
    """The preview of a batch (or, once committed, what it created and skipped)."""
    return _detail_page(request, selectors.lead_import_get(user=request.user, import_id=pk))


@login_required
@require_POST
def lead_import_commit(request, pk: int):
    """Commit with the choices made per duplicate row (`decision-<row>`: skip or import)."""
    batch = selectors.lead_import_get(user=request.user, import_id=pk)
    decisions = {
        key.removeprefix("decision-"): value
        for key, value in request.POST.items()
        if key.startswith("decision-")
    }
    try:
        batch = lead_imports.lead_import_commit(
            actor=request.user, import_id=batch.pk, decisions=decisions
        )
    except DomainError as error:
        return _detail_page(request, batch, error=error)
    messages.success(
        request,
        _("Import committed: %(created)d leads created, %(skipped)d rows skipped.")
        % {"created": batch.created_count, "skipped": batch.skipped_count},
    )
    return redirect("lead-import-detail", pk=batch.pk)
