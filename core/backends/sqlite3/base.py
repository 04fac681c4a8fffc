"""SQLite as a newcomer runs O2C (no DATABASE_URL): Django's own backend, with sums of money
read back exactly.

SQLite keeps a decimal column as a float, so SUM(amount) is a float sum: 221094.00 − 221094.00
+ 0.01 comes back as 0.0100000000093132. Django rounds a plain column back to its decimal
places but not an aggregate, so on SQLite a Sum of amounts could differ from the same Sum on
PostgreSQL (numeric, exact) by a few 1e-11 — enough to break an equality or a threshold at the
cent. Here a Sum, Min or Max (also as a window) over columns added or subtracted — values of a
fixed scale, whose exact result has that same scale — is rounded to that scale, which restores
the exact figure. Anything else (a product, an average) is left as Django reads it.
"""

import decimal

from django.db.backends.sqlite3 import base, operations
from django.db.models import Max, Min, Sum, Window
from django.db.models.expressions import Col, CombinedExpression
from django.db.models.functions import Coalesce

_EXACT = (Sum, Min, Max)


def _scale(expression) -> int | None:
    """The decimal places of a fixed-scale expression (columns, +, −, Coalesce of those),
    None when the expression is anything else."""
    if isinstance(expression, Col):
        return getattr(expression.output_field, "decimal_places", None)
    if isinstance(expression, CombinedExpression) and expression.connector in ("+", "-"):
        sides = [_scale(expression.lhs), _scale(expression.rhs)]
        return None if None in sides else max(sides)
    if isinstance(expression, (Coalesce, *_EXACT)):
        # The arguments only (an aggregate's get_source_expressions() adds its filter).
        scales = [_scale(source) for source in expression.source_expressions]
        if isinstance(expression, Coalesce):  # Coalesce(Sum(amount), 0): the constant aside
            scales = [s for s in scales if s is not None]
        return None if not scales or None in scales else max(scales)
    return None


def _exact_scale(expression) -> int | None:
    if isinstance(expression, Window):
        expression = expression.source_expression
    if isinstance(expression, Coalesce) and expression.source_expressions:
        expression = expression.source_expressions[0]
    if not isinstance(expression, _EXACT):
        return None
    return _scale(expression)


class DatabaseOperations(operations.DatabaseOperations):
    def get_decimalfield_converter(self, expression):
        places = None if isinstance(expression, Col) else _exact_scale(expression)
        if places is None:
            return super().get_decimalfield_converter(expression)
        create_decimal = decimal.Context(prec=15).create_decimal_from_float
        quantum = decimal.Decimal(1).scaleb(-places)

        def converter(value, expression, connection):
            if value is not None:
                return create_decimal(value).quantize(quantum)

        return converter


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
