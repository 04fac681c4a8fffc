"""Placeholder: being written (issue 6)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404("not yet")


dispatch_list = dispatch_edit = dispatch_detail = dispatch_action = _todo
