"""The sales app's models, a module per document family; every name is re-exported here, so
`from sales.models import X` works whichever module X lives in."""

from sales.models.catalogue import PriceList, PriceListItem, PriceListStatus, Product
from sales.models.credit import CreditChangeRequest, CreditChangeStatus, CreditReviewReminder
from sales.models.customers import (
    Contact,
    Customer,
    RiskLevel,
    phone_validator,
    tax_id_validator,
)
from sales.models.leads import (
    ContactChannel,
    Lead,
    LeadContact,
    LeadGrade,
    LeadImport,
    LeadImportStatus,
    LeadReminder,
    LeadSource,
    LeadStatus,
    ReminderKind,
)
from sales.models.orders import CreditStatus, Order, OrderLine, OrderStatus, PaymentMethod
from sales.models.quotations import Quotation, QuotationKind, QuotationLine, QuotationStatus

__all__ = [
    "Contact",
    "ContactChannel",
    "CreditChangeRequest",
    "CreditChangeStatus",
    "CreditReviewReminder",
    "CreditStatus",
    "Customer",
    "Lead",
    "LeadContact",
    "LeadGrade",
    "LeadImport",
    "LeadImportStatus",
    "LeadReminder",
    "LeadSource",
    "LeadStatus",
    "Order",
    "OrderLine",
    "OrderStatus",
    "PaymentMethod",
    "PriceList",
    "PriceListItem",
    "PriceListStatus",
    "Product",
    "Quotation",
    "QuotationKind",
    "QuotationLine",
    "QuotationStatus",
    "ReminderKind",
    "RiskLevel",
    "phone_validator",
    "tax_id_validator",
]
