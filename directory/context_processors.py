"""Values every page template reads: the site's name and address, this page's canonical
address (a view may put a more precise one in its own context), how long a
confirmation keeps an entry current, and this page in each language of the site."""

from django.conf import settings
from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse, translate_url
from django.utils import translation
from django.utils.encoding import iri_to_uri
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, ngettext

SITE_NAME = gettext_lazy("Healthcare Hashtag Directory")
SITE_DESCRIPTION = gettext_lazy(
    "An open, curated directory of healthcare hashtags and the recurring chats held on "
    "them: find your community and when it meets, in your own time zone."
)


def verify_period() -> str:
    """How long a confirmation keeps an entry current, in words: "year", "90 days"."""
    days = settings.VERIFY_AFTER_DAYS
    if days == 365:
        # Translators: ends "confirmed in the last …".
        return gettext("year")
    # Translators: ends "confirmed in the last …".
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def site(request: HttpRequest) -> dict:
    return {
        "VERIFY_PERIOD": verify_period(),
        "SITE_NAME": SITE_NAME,
        "SITE_DESCRIPTION": SITE_DESCRIPTION,
        "SITE_URL": settings.SITE_URL,
        # Query parameters (filters, time zones) do not make another page by default.
        "canonical_url": f"{settings.SITE_URL}{request.path}",
    }


def page_languages(request: HttpRequest) -> dict:
    """This page in each language of the site (Django's translate_url).

    LANGUAGE_LINKS, for the switcher: each language named in itself ("Español"), the
    same page and query string in that language (/es/hashtags/?q=x → /fr/hashtags/?q=x),
    and whether it is the page's own. An address that is no page of the site (an error
    page) links to each language's home page instead.
    LANGUAGE_ALTERNATES, for <link rel="alternate" hreflang>: the absolute address of the
    page (without its query, as its canonical address) in each language, then
    "x-default", the English one; none on an address that is no page.
    """
    current = translation.get_language()
    try:
        resolve(request.path_info)
        here = request.path_info
    except Resolver404:
        here = None
    query = request.META.get("QUERY_STRING", "")
    links, alternates = [], []
    for code, _name in settings.LANGUAGES:
        if here:
            path = translate_url(here, code)
            url = f"{path}?{iri_to_uri(query)}" if query else path
            alternates.append((code, f"{settings.SITE_URL}{path}"))
        else:
            with translation.override(code):
                url = reverse("directory:home")
        links.append(
            {
                "code": code,
                "name": capfirst(translation.get_language_info(code)["name_local"]),
                "url": url,
                "current": code == current,
            }
        )
    if alternates:
        alternates.append(("x-default", dict(alternates)[settings.LANGUAGE_CODE]))
    return {"LANGUAGE_LINKS": links, "LANGUAGE_ALTERNATES": alternates}
