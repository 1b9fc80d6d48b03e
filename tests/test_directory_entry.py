"""An entry's page /hashtags/<tag>/: what it shows, its redirects and its helpful 404."""

import re
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.utils import timezone

from hashtags import published
from hashtags.models import Alias, HashtagModerator, Moderator, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def hcldr(make_hashtag, make_category, make_chat):
    leadership = make_category("healthcare-leadership", name="Healthcare leadership")
    entry = make_hashtag(
        "HCLDR",
        name="Healthcare Leaders",
        kind="chat",
        description="A weekly chat on healthcare leadership.\n\nPatients and clinicians as equals.",
        categories=[leadership],
        platforms=["x", "bluesky"],
        website="https://hcldr.example.org/",
        last_verified=datetime(2026, 3, 2, 12, tzinfo=UTC),
    )
    make_chat(
        entry,
        title="Weekly chat",
        weekdays="TU",
        start_time=time(20, 30),
        timezone_id="America/New_York",
    )
    colin = Moderator.objects.create(
        handle="Colin_Hung", display_name="Colin Hung", profile_url="https://x.com/Colin_Hung"
    )
    HashtagModerator.objects.create(hashtag=entry, moderator=colin, role="founder")
    Alias(hashtag=entry, tag="HealthcareLeaders").save()
    published.publish([entry.pk])  # written past the write path: published as such
    return entry


def test_entry_page_shows_what_a_visitor_needs(visitor, hcldr):
    page = visitor.get("/hashtags/HCLDR/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1" in html and "#HCLDR</h1>" in html
    assert "Healthcare Leaders" in html
    assert "Tweet chat" in html
    assert "<p>A weekly chat on healthcare leadership.</p>" in html
    assert 'href="/categories/healthcare-leadership/"' in html
    assert "Tuesdays at 8:30 PM ET" in html and "(America/New_York)" in html
    assert 'href="https://x.com/Colin_Hung"' in html and "Colin Hung" in html
    assert "#HealthcareLeaders" in html
    assert 'href="https://hcldr.example.org/"' in html
    assert "https://x.com/search?q=%23HCLDR" in html
    assert 'href="https://bsky.app/hashtag/HCLDR"' in html
    assert "2 March 2026" in html  # last verified
    assert '/hashtags/HCLDR/chats.ics"' in html and 'href="webcal://' in html
    assert "Report a problem with #HCLDR" in html


def test_next_chat_dates_are_in_the_chats_zone_and_labelled(visitor, hcldr):
    # At a moment when no meeting is under way (one under way counts as "next").
    with time_machine.travel(datetime(2026, 6, 6, 12, tzinfo=UTC), tick=False):
        html = visitor.get("/hashtags/HCLDR/").content.decode()
        now = timezone.now()
    times = re.findall(
        r'<time datetime="([^"]+)">([^<]+)<abbr title="([^"]+)">([^<]+)</abbr></time>', html
    )
    assert len(times) == 3
    for iso, text, zone, abbreviation in times:
        start = datetime.fromisoformat(iso)
        assert start > now
        assert zone == "America/New_York" and abbreviation in {"EST", "EDT"}
        assert text.startswith("Tue ") and text.endswith(", 8:30 PM ")
    # Without a chosen zone, the script may re-label the times in the browser's zone.
    assert 'data-localtime-zone=""' in html
    assert '<script src="/static/js/localtime.js" defer></script>' in html


def test_next_chat_dates_follow_the_viewers_zone_when_given(visitor, hcldr):
    html = visitor.get("/hashtags/HCLDR/", {"tz": "Asia/Tokyo"}).content.decode()
    times = re.findall(
        r'<time datetime="[^"]+">([^<]+)<abbr title="Asia/Tokyo">JST</abbr></time>', html
    )
    assert len(times) == 3
    # 8:30 PM in New York on a Tuesday is Wednesday morning in Tokyo.
    assert all(text.startswith("Wed ") and ", 10:30 AM" in text for text in times), times
    assert "Next meetings (your time zone: Asia/Tokyo)" in html
    # The visitor chose the zone, so the script leaves the times alone.
    assert 'data-localtime-zone="Asia/Tokyo"' in html


def test_without_a_zone_the_next_meetings_say_they_are_in_the_chats_own_zone(visitor, hcldr):
    html = visitor.get("/hashtags/HCLDR/").content.decode()
    assert "Next meetings (in the chat's own time zone)" in html
    assert 'data-localtime-zone=""' in html  # for the script to put the visitor's zone in


def test_each_platform_says_how_to_join_the_conversation(visitor, hcldr):
    html = visitor.get("/hashtags/HCLDR/").content.decode()
    assert (
        '#HCLDR on X (Twitter)</a>: <span class="how-to-join">search #HCLDR and choose Latest'
        in html
    )
    assert '#HCLDR on Bluesky</a>: <span class="how-to-join">open the #HCLDR feed' in html


def test_an_unknown_viewer_zone_is_explained_not_an_error(visitor, hcldr):
    page = visitor.get("/hashtags/HCLDR/", {"tz": "Mars/Olympus_Mons"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "tz: Unknown time zone" in html
    assert "Times are shown in each chat&#x27;s own time zone." in html
    assert "(America/New_York)" in html


def test_entry_page_has_title_description_canonical_and_open_graph(visitor, hcldr):
    html = visitor.get("/hashtags/HCLDR/").content.decode()
    assert "<title>#HCLDR: Healthcare Leaders · Healthcare Hashtag Directory</title>" in html
    assert '<meta name="description" content="A weekly chat on healthcare leadership.' in html
    assert '<link rel="canonical" href="http://127.0.0.1:8000/hashtags/HCLDR/">' in html
    assert '<meta property="og:title" content="#HCLDR: Healthcare Leaders">' in html
    assert '<meta property="og:url" content="http://127.0.0.1:8000/hashtags/HCLDR/">' in html
    assert '<meta property="og:type" content="article">' in html
    assert re.search(r'<meta property="og:image" content="http://127.0.0.1:8000/static/', html)


def test_canonical_link_ignores_query_parameters(visitor, hcldr):
    html = visitor.get("/hashtags/HCLDR/", {"tz": "Europe/Paris", "utm_source": "x"}).content
    assert b'<link rel="canonical" href="http://127.0.0.1:8000/hashtags/HCLDR/">' in html


def test_markup_in_the_entry_is_shown_as_text(visitor, make_hashtag):
    make_hashtag(
        "Safe",
        name='<img src=x onerror="alert(1)">',
        description="<script>alert('x')</script> & <b>bold</b>",
    )
    html = visitor.get("/hashtags/Safe/").content.decode()
    assert "<script>alert" not in html and "<b>bold</b>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert '<meta name="description" content="&lt;script&gt;' in html


def test_a_non_english_entry_marks_its_language(visitor, make_hashtag):
    make_hashtag("SaludDigital", name="Salud digital", description="Charlas.", language="es")
    html = visitor.get("/hashtags/SaludDigital/").content.decode()
    assert '<div class="description" lang="es">' in html
    assert "español (Spanish)" in html


@pytest.mark.parametrize(
    "spelling",
    ["hcldr", "HcLdR", "%23hcldr", "%EF%BC%83%EF%BC%A8%EF%BC%A3%EF%BC%AC%EF%BC%A4%EF%BC%B2"],
)
def test_other_spellings_answer_301_to_the_canonical_address(visitor, hcldr, spelling):
    page = visitor.get(f"/hashtags/{spelling}/")
    assert (page.status_code, page["Location"]) == (301, "/hashtags/HCLDR/")


@pytest.mark.parametrize("alias", ["HealthcareLeaders", "healthcareleaders"])
def test_an_alias_answers_301_to_its_entry(visitor, hcldr, alias):
    page = visitor.get(f"/hashtags/{alias}/")
    assert (page.status_code, page["Location"]) == (301, "/hashtags/HCLDR/")


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED])
def test_pending_and_rejected_entries_are_not_found(visitor, make_hashtag, status):
    make_hashtag("Hidden", status=status, status_reason="Spam." if status == "rejected" else "")
    for spelling in ("Hidden", "hidden"):
        page = visitor.get(f"/hashtags/{spelling}/")
        assert page.status_code == 404
        assert "is not in the directory" in page.content.decode()


def test_an_unknown_tag_gets_a_helpful_not_found_page(visitor, hcldr):
    page = visitor.get("/hashtags/HCLDRS/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "#HCLDRS is not in the directory" in html
    assert 'role="search"' in html and 'name="q" value="HCLDRS"' in html
    assert 'href="/submit/?tag=HCLDRS"' in html  # register this hashtag
    assert 'href="/hashtags/HCLDR/"' in html  # did you mean #HCLDR
    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="canonical"' not in html


def test_a_pending_entry_is_not_suggested_on_the_not_found_page(visitor, hcldr, make_hashtag):
    make_hashtag("HCLDRNext", status=Status.PENDING)
    html = visitor.get("/hashtags/HCLDRN/").content.decode()
    assert "/hashtags/HCLDRNext/" not in html


def test_an_invalid_tag_says_why_and_offers_no_registration(visitor, db):
    page = visitor.get("/hashtags/two%20words/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "This is not a hashtag" in html and "cannot contain spaces" in html
    assert "/submit/?tag=" not in html


def test_markup_in_an_unknown_tag_is_shown_as_text(visitor, db):
    html = visitor.get("/hashtags/%3Cscript%3E/").content.decode()
    assert "<script>" not in html.split("<main", 1)[1]


@pytest.mark.parametrize("related", [5, 50])
def test_entry_queries_do_not_grow_with_related_rows(
    visitor, make_hashtag, make_chat, make_category, django_assert_max_num_queries, related
):
    categories = [make_category() for _ in range(related)]
    entry = make_hashtag("Busy", categories=categories, platforms=["x", "bluesky", "linkedin"])
    for _ in range(related):
        make_chat(entry)
    for index in range(related):
        Alias(hashtag=entry, tag=f"Busy{index}").save()
        moderator = Moderator.objects.create(handle=f"host{index}")
        HashtagModerator.objects.create(hashtag=entry, moderator=moderator)
    # identity lookup, entry (with its activity summary), categories, platforms, chats,
    # hosts (with moderator and platform), aliases, the activity's daily series
    with django_assert_max_num_queries(8):
        assert visitor.get("/hashtags/Busy/").status_code == 200
