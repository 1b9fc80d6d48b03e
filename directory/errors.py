"""Django's 400 handler, with one exception: a body over the size limit is a 413.

Django refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE with RequestDataTooBig, a
"suspicious operation" it answers 400. The client did nothing suspicious, it sent too
much: the API answers 413 in its error shape ({"detail": "…"}, hashtags/api/errors.py),
the pages a readable 413 page.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views import defaults

from directory.middleware import is_api
from hashtags.api.errors import PayloadTooLarge


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        if is_api(request):
            return JsonResponse({"detail": str(PayloadTooLarge.default_detail)}, status=413)
        limit_kb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024
        return render(request, "413.html", {"limit_kb": limit_kb}, status=413)
    return defaults.bad_request(request, exception)
