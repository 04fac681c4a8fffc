"""Browser pages of the sales app, one module per topic."""

from sales.views.customers import (  # noqa: F401
    customer_detail,
    customer_edit,
    customer_export,
    customer_import,
    customer_list,
    product_edit,
    product_export,
    product_import,
    product_list,
)
