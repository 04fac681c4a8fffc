"""Placeholder: being written (issue 6)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404("not yet")


stock_list = notice_list = notice_edit = notice_detail = notice_action = _todo
receipt_list = receipt_create = receipt_detail = receipt_action = _todo
