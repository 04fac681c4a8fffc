"""PDF documents (R9 contracts, later shipping notices, gate passes, invoices): a Django
template rendered to HTML and laid out by WeasyPrint with a CJK font embedded.

WeasyPrint is imported when a PDF is made, not at start-up, so the app runs where its system
libraries are missing (scripts/system-deps installs them)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_pdf(template: str, context: dict, *, language: str = "zh-hans") -> bytes:
    """Documents that go to customers are Chinese documents, whatever the UI language."""
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
