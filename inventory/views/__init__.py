"""Pages for inventory, one module per document family; each view is thin over services and
selectors."""
