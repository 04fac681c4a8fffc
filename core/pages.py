"""Small helpers the browser views share: pagination and showing a domain refusal on a form."""

from django import forms
from django.core.paginator import Paginator
from django.forms import Form
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

PAGE_SIZE = 25


def paginate(request, queryset, per_page: int = PAGE_SIZE):
    """The requested page of `queryset`; a bad page number gives the nearest valid page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def querystring_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def form_add_domain_error(form: Form, error: DomainError) -> None:
    """Put a service refusal beside the fields it names, the rest at the top of the form."""
    if not error.errors:
        form.add_error(None, error.detail)
        return
    for field, messages in error.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message if target else f"{field}: {message}")
    if error.code not in {"invalid"}:
        form.add_error(None, error.detail)


LATE_FIELD = "book_in_open_period"


def _late_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("Book it as a late document"),
        required=False,
        help_text=_(
            "The document keeps its date; its entries are dated the first day of the first "
            "open month."
        ),
    )


def keep_late_booking(form: Form) -> None:
    """In a form's `__init__`: the late-document checkbox (`core.periods`), once offered, stays
    on the form that comes back with it."""
    if form.is_bound and LATE_FIELD in form.data:
        form.fields[LATE_FIELD] = _late_field()


def offer_late_booking(form: Form, error: DomainError, *, field: str) -> None:
    """A date refused as being in a closed month (`period_closed` beside `field`): the form
    comes back with the checkbox that books the document late, in the first open month."""
    if error.code == "period_closed" and field in error.errors:
        form.fields.setdefault(LATE_FIELD, _late_field())


def object_form_page(request, *, form_class, instance, save, title, back: str, saved_message: str):
    """A plain create/edit page: the form parses, `save(cleaned_data)` calls the service, a
    refusal is shown on the form, success goes back to the list named `back`."""
    from django.contrib import messages
    from django.shortcuts import redirect, render

    if request.method == "POST":
        form = form_class(request.POST, instance=instance)
        if form.is_valid():
            try:
                saved = save(form.cleaned_data)
                messages.success(request, saved_message % {"code": saved.code})
                return redirect(back)
            except DomainError as error:
                form_add_domain_error(form, error)
    else:
        form = form_class(instance=instance)
    from core.history import history_rows

    return render(
        request,
        "core/object_form.html",
        {
            "form": form,
            "object": instance,
            "title": title,
            "back": back,
            "history": history_rows(instance) if instance is not None else None,
        },
        status=400 if request.method == "POST" else 200,
    )


def document_action(request, *, document, run, done: str, redirect_to, message_args=None):
    """A button on a document's page: call the service, come back with its outcome as a
    message (a refusal changes nothing and says why).

    `run(document)` calls the service; what it returns, when it is the document again, is used
    for the message and the redirect. `done` is formatted with the document's `number` and
    `message_args(saved)` (e.g. the gate pass the service issued). `redirect_to` is the name of
    a page taking the document's `pk`, or a callable `(saved, ok) -> URL`."""
    from django.contrib import messages
    from django.shortcuts import redirect

    saved, ok = document, False
    try:
        result = run(document)
        if isinstance(result, type(document)):
            saved = result
        ok = True
        extra = message_args(saved) if message_args else {}
        messages.success(request, done % {"number": saved.number, **extra})
    except DomainError as error:
        reasons = [m for msgs in error.errors.values() for m in msgs]
        messages.error(request, " ".join([error.detail, *reasons]))
    if callable(redirect_to):
        return redirect(redirect_to(saved, ok))
    return redirect(redirect_to, pk=saved.pk)


def formset_add_domain_error(form, formset, error: DomainError, *, prefix: str, forms_at):
    """A service refusal on a document with rows: errors named `<prefix>.N.field` go beside
    that row's field (`forms_at[N]` is the formset form that row came from), the rest of the
    header's errors on the form; errors about the rows as a whole are returned, for above
    the rows."""
    header, rows_errors = {}, []
    for name, messages in error.errors.items():
        parts = name.split(".")
        if parts[0] != prefix:
            header[name] = messages
        elif len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(forms_at):
            row = formset.forms[forms_at[int(parts[1])]]
            field = parts[2] if parts[2] in row.fields else None
            for message in messages:
                row.add_error(field, message)
        else:
            rows_errors.extend(messages)
    if header or error.code != "invalid" or not error.errors:
        form_add_domain_error(form, type(error)(error.code, error.detail, header))
    return rows_errors
