"""Values every page template reads: the site's name and address, this page's canonical
address (a view may put a more precise one in its own context), and how long a
confirmation keeps an entry current."""

from django.conf import settings
from django.http import HttpRequest

SITE_NAME = "Healthcare Hashtag Directory"
SITE_DESCRIPTION = (
    "An open, curated directory of healthcare hashtags and the recurring chats held on "
    "them: find your community and when it meets, in your own time zone."
)


def verify_period() -> str:
    """How long a confirmation keeps an entry current, in words: "year", "90 days"."""
    days = settings.VERIFY_AFTER_DAYS
    return "year" if days == 365 else f"{days} days"


def site(request: HttpRequest) -> dict:
    return {
        "VERIFY_PERIOD": verify_period(),
        "SITE_NAME": SITE_NAME,
        "SITE_DESCRIPTION": SITE_DESCRIPTION,
        "SITE_URL": settings.SITE_URL,
        # Query parameters (filters, time zones) do not make another page by default.
        "canonical_url": f"{settings.SITE_URL}{request.path}",
    }
