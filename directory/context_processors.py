"""Values every page template reads: the site's name and address, and this page's
canonical address (a view may put a more precise one in its own context)."""

from django.conf import settings
from django.http import HttpRequest

SITE_NAME = "Healthcare Hashtag Directory"
SITE_DESCRIPTION = (
    "An open, curated directory of healthcare hashtags and the recurring chats held on "
    "them: find your community and when it meets, in your own time zone."
)


def site(request: HttpRequest) -> dict:
    return {
        "SITE_NAME": SITE_NAME,
        "SITE_DESCRIPTION": SITE_DESCRIPTION,
        "SITE_URL": settings.SITE_URL,
        # Query parameters (filters, time zones) do not make another page by default.
        "canonical_url": f"{settings.SITE_URL}{request.path}",
    }
