"""Writes of the sales app, one module per topic (STYLE.md: services/<topic>.py).

Customer and product services are re-exported here, so `from sales import services` keeps
working for them; credit changes and price lists are imported from their modules.
"""

from sales.services.customers import (  # noqa: F401
    CATALOGUE_EDITORS,
    CUSTOMER_EDITORS,
    ImportResult,
    customer_create,
    customer_refuse_credit_fields,
    customer_update,
    customers_import,
    product_create,
    product_update,
    products_import,
)
