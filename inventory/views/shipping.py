"""Placeholder: being written (issue 6)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404("not yet")


notice_list = notice_edit = notice_detail = notice_pdf = gate_pass_pdf = _todo
delivery_confirm = delivery_scan = notice_action = picking_list = gate_check = _todo
