"""Viewsets of the finance API: parse input, call one service or selector, serialise
(`core.api.views.ServiceViewSet`). Empty until finance is built."""
