"""PDFs of finance documents (invoice, commission slip), rendered by `core.pdf.render_pdf` from
templates under `finance/pdf/`, by a task queued `on_commit`. Empty until finance is built."""
