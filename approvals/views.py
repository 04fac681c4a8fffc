"""Inbox pages (R22). A first version: the full inbox page comes with the inbox work."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from approvals import selectors


@login_required
def inbox(request):
    return render(
        request, "approvals/inbox.html", {"requests": selectors.inbox_for(user=request.user)}
    )


@login_required
def detail(request, pk: int):
    return render(
        request,
        "approvals/detail.html",
        {"approval": selectors.approval_get(user=request.user, request_id=pk)},
    )
