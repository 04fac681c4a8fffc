"""PDF documents of the sales app. None yet: orders, credit changes and price lists are read on
their pages. Quotations (R27) will be rendered here, with `core.pdf.render_pdf`, from a template
under `sales/templates/sales/pdf/`, by a task started `on_commit`."""
