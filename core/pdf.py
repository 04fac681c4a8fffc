"""PDF documents (R9 contracts, later shipping notices, gate passes, invoices): a Django
template rendered to HTML and laid out by WeasyPrint with a CJK font embedded.

WeasyPrint is imported when a PDF is made, not at start-up, so the app runs where its system
libraries are missing (scripts/system-deps installs them).

One WeasyPrint `FontConfiguration` is kept per thread of a process (a Celery worker renders
many PDFs): Fontconfig's configuration and Pango's font map, with the CJK faces it has loaded,
are built on the first render and reused by the next ones, which saves about an eighth of a
render (issue 14). The PDF is the same byte for byte, dates aside. Per thread, because Pango's
font map is not safe to share between threads."""

import threading

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

_local = threading.local()


def _font_config():
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _local.font_config = FontConfiguration()
    return config


def render_pdf(template: str, context: dict, *, language: str = "zh-hans") -> bytes:
    """Documents that go to customers are Chinese documents, whatever the UI language."""
    from weasyprint import HTML

    with translation.override(language):
        html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(font_config=_font_config())
