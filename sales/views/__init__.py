"""Browser pages of the sales app, one module per topic."""

from sales.views.credit_changes import (  # noqa: F401
    credit_change_cancel,
    credit_change_create,
    credit_change_detail,
    credit_change_edit,
    credit_change_list,
    credit_change_submit,
    credit_change_withdraw,
)
from sales.views.customers import (  # noqa: F401
    customer_detail,
    customer_edit,
    customer_export,
    customer_import,
    customer_list,
    customer_names,
    product_edit,
    product_export,
    product_import,
    product_list,
)
from sales.views.funnel import lead_funnel  # noqa: F401
from sales.views.lead_imports import (  # noqa: F401
    lead_import,
    lead_import_commit,
    lead_import_detail,
)
from sales.views.leads import (  # noqa: F401
    lead_close,
    lead_contact,
    lead_convert,
    lead_create,
    lead_detail,
    lead_list,
    lead_regrade,
    lead_team_overdue,
)
from sales.views.orders import (  # noqa: F401
    order_cancel,
    order_create,
    order_credit,
    order_detail,
    order_edit,
    order_list,
    order_submit,
    order_totals,
)
from sales.views.price_lists import (  # noqa: F401
    price_list_close,
    price_list_create,
    price_list_detail,
    price_list_edit,
    price_list_list,
    price_list_submit,
    price_list_withdraw,
)
from sales.views.quotations import (  # noqa: F401
    quotation_cancel,
    quotation_create,
    quotation_detail,
    quotation_edit,
    quotation_list,
    quotation_lost,
    quotation_pdf,
    quotation_submit,
    quotation_to_order,
    quotation_won,
)
