"""Domain errors: one exception per kind of refusal, each with a stable code (API.md).

Services raise them; the API, the pages and the admin translate them and never invent codes.
"""

from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    default_code = "error"
    default_detail = _("The request was refused.")

    def __init__(
        self,
        code: str | None = None,
        detail: str | None = None,
        errors: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.detail = str(detail) if detail is not None else str(self.default_detail)
        self.errors = {field: [str(m) for m in msgs] for field, msgs in (errors or {}).items()}
        super().__init__(f"{self.code}: {self.detail}")


class InvalidInput(DomainError):
    """400: malformed or missing input; `errors` names each field."""

    status_code = 400
    default_code = "invalid"
    default_detail = _("The input is not valid.")

    @classmethod
    def from_django(cls, exc: DjangoValidationError) -> "InvalidInput":
        if hasattr(exc, "error_dict"):
            errors = {
                field: [str(m) for e in errs for m in e.messages]
                for field, errs in exc.error_dict.items()
            }
        else:
            errors = {"non_field_errors": [str(m) for m in exc.messages]}
        return cls(errors=errors)


class AuthenticationRefused(DomainError):
    """401: no or bad credentials."""

    status_code = 401
    default_code = "authentication_failed"
    default_detail = _("Wrong username or password.")


class PermissionRefused(DomainError):
    """403: role, ownership or approval rules."""

    status_code = 403
    default_code = "permission_denied"
    default_detail = _("You do not have permission to perform this action.")


class NotVisible(DomainError):
    """404: the object is unknown or not visible to the caller (R23)."""

    status_code = 404
    default_code = "not_found"
    default_detail = _("Not found.")


class RuleViolation(DomainError):
    """409: a business rule or the document's state refuses the action."""

    status_code = 409
    default_code = "rule_violation"
    default_detail = _("A business rule refuses this action.")
