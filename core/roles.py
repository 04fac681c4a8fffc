"""The role codes of DESIGN §2. They are Django group names and part of the API."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SALES_CLERK = "sales_clerk", _("Sales clerk")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    SALES_HEAD = "sales_head", _("Head of sales")
    GENERAL_MANAGER = "general_manager", _("General manager")
    SALES_VP = "sales_vp", _("VP of sales")
    PLANNER = "planner", _("Production planner")
    PRODUCTION = "production", _("Production")
    QC = "qc", _("Quality control")
    WAREHOUSE = "warehouse", _("Warehouse")
    SECURITY = "security", _("Security")
    FINANCE = "finance", _("Finance")
    FINANCE_VP = "finance_vp", _("VP of finance")
    CREDIT_CONTROLLER = "credit_controller", _("Credit controller")
    MARKETING_DIRECTOR = "marketing_director", _("Marketing director")


ALL_ROLES: frozenset[str] = frozenset(Role.values)
