"""The site in five languages: English at today's addresses, the others under their
prefix; a switcher and hreflang alternates on every page; the API, feeds, calendars and
sitemap unprefixed; emails in the language their reader wrote in."""

import re
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from datetime import date

import pytest
from django.conf import settings
from django.core import mail
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from hashtags.curation import digest, reminders, stewardship
from hashtags.models import Steward, Submission
from tests.submission_helpers import started, submission_data

OTHER_LANGUAGES = ["es", "fr", "pt", "de"]
NAMES = {
    "en": "English",
    "es": "Español",
    "fr": "Français",
    "pt": "Português",
    "de": "Deutsch",
}


def html_lang(page) -> str:
    return re.search(r'<html lang="([^"]+)">', page.content.decode()).group(1)


def alternates(page) -> dict[str, str]:
    return dict(
        re.findall(
            r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', page.content.decode()
        )
    )


def switcher(page) -> list[tuple[str, str, str, str, bool]]:
    """The switcher's links: (href, lang, hreflang, name, is current)."""
    html = page.content.decode()
    nav = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S).group(0)
    return [
        (href, lang, hreflang, name, bool(current))
        for href, lang, hreflang, current, name in re.findall(
            r'<a href="([^"]+)" lang="([^"]+)" hreflang="([^"]+)"( aria-current="page")?>'
            r"([^<]+)</a>",
            nav,
        )
    ]


@contextmanager
def languages_of_rendered(template_name: str):
    """The active language each time `template_name` is rendered inside the block."""
    seen: list[str] = []

    def record(sender, template, context, **kwargs):
        if template.name == template_name:
            seen.append(translation.get_language())

    template_rendered.connect(record)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record)


@pytest.fixture
def entry(make_hashtag):
    return make_hashtag("HCLDR", name="Healthcare Leaders")


@pytest.mark.django_db
@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_each_language_has_its_home_page_under_its_prefix(visitor, code):
    page = visitor.get(f"/{code}/")
    assert page.status_code == 200
    assert html_lang(page) == code
    assert page["Content-Language"] == code


@pytest.mark.django_db
def test_english_stays_at_todays_addresses_whatever_the_browser_prefers(visitor, entry):
    for path in ("/", "/hashtags/", "/hashtags/HCLDR/", "/categories/", "/submit/"):
        page = visitor.get(path, headers={"accept-language": "es"})
        assert page.status_code == 200, path
        assert html_lang(page) == "en", path
    # No English prefix: /en/ is no page.
    assert visitor.get("/en/").status_code == 404


@pytest.mark.django_db
def test_the_english_home_names_every_language_version_and_the_default(visitor):
    site = settings.SITE_URL
    assert alternates(visitor.get("/")) == {
        "en": f"{site}/",
        "es": f"{site}/es/",
        "fr": f"{site}/fr/",
        "pt": f"{site}/pt/",
        "de": f"{site}/de/",
        "x-default": f"{site}/",
    }


@pytest.mark.django_db
def test_an_entry_in_spanish_names_the_same_entry_in_every_language(visitor, entry):
    found = alternates(visitor.get("/es/hashtags/HCLDR/"))
    assert found["de"] == f"{settings.SITE_URL}/de/hashtags/HCLDR/"
    assert found["x-default"] == found["en"] == f"{settings.SITE_URL}/hashtags/HCLDR/"


@pytest.mark.django_db
def test_the_switcher_keeps_the_visitor_on_the_same_search_in_each_language(visitor):
    links = switcher(visitor.get("/es/hashtags/?q=x"))
    assert links == [
        ("/hashtags/?q=x", "en", "en", "English", False),
        ("/es/hashtags/?q=x", "es", "es", "Español", True),
        ("/fr/hashtags/?q=x", "fr", "fr", "Français", False),
        ("/pt/hashtags/?q=x", "pt", "pt", "Português", False),
        ("/de/hashtags/?q=x", "de", "de", "Deutsch", False),
    ]


@pytest.mark.django_db
def test_the_switcher_leads_from_english_to_the_same_entry(visitor, entry):
    links = {lang: href for href, lang, *_ in switcher(visitor.get("/hashtags/HCLDR/"))}
    assert links == {
        "en": "/hashtags/HCLDR/",
        "es": "/es/hashtags/HCLDR/",
        "fr": "/fr/hashtags/HCLDR/",
        "pt": "/pt/hashtags/HCLDR/",
        "de": "/de/hashtags/HCLDR/",
    }
    assert [name for *_, name, _current in switcher(visitor.get("/"))] == list(NAMES.values())


@pytest.mark.django_db
def test_a_missing_page_in_french_is_french_and_offers_each_home_page(visitor):
    page = visitor.get("/fr/nothing-here/")
    assert page.status_code == 404
    assert html_lang(page) == "fr"
    assert [href for href, *_ in switcher(page)] == ["/", "/es/", "/fr/", "/pt/", "/de/"]
    assert alternates(page) == {}


@pytest.mark.django_db
def test_the_pages_links_stay_in_their_language(visitor):
    html = visitor.get("/pt/").content.decode()
    assert 'href="/pt/hashtags/"' in html
    assert 'href="/pt/submit/"' in html


@pytest.mark.django_db
def test_the_api_has_no_language_prefix_and_answers_in_english_by_default(api, entry):
    assert api.get("/es/api/v1/hashtags/").status_code == 404
    answer = api.get("/api/v1/hashtags/")
    assert answer.status_code == 200
    assert answer["Content-Language"] == "en"
    missing = api.get("/api/v1/submissions/nope/")
    assert missing["Content-Language"] == "en"
    assert "Accept-Language" in missing["Vary"]


@pytest.mark.django_db
def test_the_apis_own_messages_follow_accept_language(api, entry):
    change = {"name": "Another name"}
    english = api.patch("/api/v1/hashtags/HCLDR/", change)
    spanish = api.patch(
        "/api/v1/hashtags/HCLDR/", change, headers={"accept-language": "es-MX,es;q=0.9"}
    )
    unknown = api.patch("/api/v1/hashtags/HCLDR/", change, headers={"accept-language": "ja"})
    assert english.status_code == spanish.status_code == 401
    assert english.json() == {"detail": "Authentication credentials were not provided."}
    assert spanish.json() == {"detail": "Las credenciales de autenticación no se proveyeron."}
    assert spanish["Content-Language"] == "es"
    assert unknown.json() == english.json()


@pytest.mark.django_db
def test_feeds_calendars_sitemap_and_robots_have_one_unprefixed_address(visitor, entry):
    for path in (
        "/chats.ics",
        "/hashtags/HCLDR/chats.ics",
        "/changes.atom",
        "/feeds/latest/",
        "/sitemap.xml",
        "/robots.txt",
    ):
        assert visitor.get(path).status_code == 200, path
        assert visitor.get(f"/es{path}").status_code == 404, path
    # A Spanish page links to them at that one address.
    with translation.override("es"):
        assert reverse("files:chats-ics") == "/chats.ics"
        assert reverse("files:hashtag-ics", args=["HCLDR"]) == "/hashtags/HCLDR/chats.ics"
        assert reverse("directory:hashtags") == "/es/hashtags/"


@pytest.mark.django_db
def test_the_sitemap_lists_each_page_with_its_alternates(visitor, entry):
    root = ET.fromstring(visitor.get("/sitemap.xml").content)  # noqa: S314 (our own response)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    site = settings.SITE_URL
    urls = {url.find("s:loc", ns).text: url for url in root.findall("s:url", ns)}
    assert f"{site}/es/hashtags/HCLDR/" in urls
    links = {
        link.get("hreflang"): link.get("href")
        for link in urls[f"{site}/hashtags/HCLDR/"].findall("x:link", ns)
    }
    assert links == {
        "en": f"{site}/hashtags/HCLDR/",
        "es": f"{site}/es/hashtags/HCLDR/",
        "fr": f"{site}/fr/hashtags/HCLDR/",
        "pt": f"{site}/pt/hashtags/HCLDR/",
        "de": f"{site}/de/hashtags/HCLDR/",
        "x-default": f"{site}/hashtags/HCLDR/",
    }


@pytest.mark.django_db
def test_a_spanish_submission_is_acknowledged_in_spanish(
    visitor, django_capture_on_commit_callbacks
):
    with (
        languages_of_rendered("email/received.txt") as rendered,
        django_capture_on_commit_callbacks(execute=True),
    ):
        answer = visitor.post("/es/submit/", submission_data())
    assert answer.status_code == 302
    assert answer["Location"].startswith("/es/submit/received/")
    assert Submission.objects.get().language == "es"
    assert rendered == ["es"]
    assert len(mail.outbox) == 1
    # The language ended with the request.
    assert translation.get_language() == settings.LANGUAGE_CODE


@pytest.mark.django_db
def test_an_english_submission_is_acknowledged_in_english(submitter):
    with languages_of_rendered("email/received.txt") as rendered:
        submitter()
    assert Submission.objects.get().language == "en"
    assert rendered == ["en"]


@pytest.mark.django_db
def test_a_german_claim_is_answered_in_german_and_its_steward_reminded_in_german(
    visitor, entry, curator, django_capture_on_commit_callbacks
):
    data = {"name": "Kim", "email": "kim@example.org", "note": "I host it.", "started": started()}
    assert visitor.post("/de/hashtags/HCLDR/claim/", data).status_code in (200, 302)
    steward = Steward.objects.get()
    assert steward.language == "de"
    with (
        languages_of_rendered("email/steward_welcome.txt") as welcomed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        stewardship.accept_claim(steward=steward, curator=curator)
    assert welcomed == ["de"]
    with languages_of_rendered("email/verification_reminder.txt") as reminded:
        reminders.reminder_message(Steward.objects.get())
    assert reminded == ["de"]


@pytest.mark.django_db
def test_a_declined_claim_is_explained_in_the_claimants_language(
    entry, curator, django_capture_on_commit_callbacks
):
    with translation.override("fr"):
        steward = stewardship.claim(hashtag=entry, name="Lou", email="lou@example.org")
    assert steward.language == "fr"
    with (
        languages_of_rendered("email/claim_declined.txt") as rendered,
        django_capture_on_commit_callbacks(execute=True),
    ):
        stewardship.decline_claim(steward=steward, curator=curator, reason="has_steward")
    assert rendered == ["fr"]


@pytest.mark.django_db
def test_the_curators_digest_stays_english(settings, submitter):
    settings.CURATORS_EMAIL = "curators@example.org"
    submitter()
    with (
        translation.override("pt"),
        languages_of_rendered("email/curator_digest.txt") as rendered,
    ):
        digest.send_digest()
    assert rendered == ["en"]


@pytest.mark.parametrize(
    ("code", "long", "short"),
    [
        ("en", "31 October 2023", "31 Oct 2023"),
        ("es", "31 de octubre de 2023", "31 oct. 2023"),
        ("fr", "31 octobre 2023", "31 oct. 2023"),
        # Django's Portuguese month names are capitalised.
        ("pt", "31 de Outubro de 2023", "31 Out. 2023"),
        ("de", "31. Oktober 2023", "31. Okt. 2023"),
    ],
)
def test_dates_read_as_each_language_writes_them(code, long, short):
    with translation.override(code):
        assert date_format(date(2023, 10, 31), "DATE_FORMAT") == long
        assert date_format(date(2023, 10, 31), "SHORT_DATE_FORMAT") == short


@pytest.mark.django_db(transaction=True)
def test_the_cached_english_and_spanish_home_pages_never_stand_in_for_each_other(
    page_cache, visitor
):
    assert html_lang(visitor.get("/")) == "en"
    spanish = visitor.get("/es/")
    assert html_lang(spanish) == "es"
    again = visitor.get("/")
    assert again["X-Cache"] == "hit"
    assert html_lang(again) == "en"
    assert html_lang(visitor.get("/es/")) == "es"
    assert html_lang(visitor.get("/hashtags/")) == "en"
    assert html_lang(visitor.get("/es/hashtags/")) == "es"
    assert html_lang(visitor.get("/hashtags/")) == "en"
