from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("Approvals")

    def ready(self) -> None:
        from approvals.selectors import inbox_count
        from core.context_processors import register_badge

        # R22: what the user may decide now, beside the Approvals menu item.
        register_badge(
            "approval-inbox",
            badge_id="nav-badge-approvals",
            count=lambda user, limit: inbox_count(user=user, limit=limit),
        )
