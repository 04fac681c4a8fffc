"""Serializers of the finance API: parse and shape, no business rule; money through
`core.api.fields.amount_field`. Empty until finance is built."""
