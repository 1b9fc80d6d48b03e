"""Good citizenship: sitemap, robots.txt, error pages, and markup a strict CSP allows."""

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

from hashtags.models import Status

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def site(make_category, make_hashtag, make_chat):
    health_it = make_category("health-it", name="Health IT")
    make_chat(make_hashtag("HITsm", name="Health IT Social Media", categories=[health_it]))
    make_hashtag("HIMSS17", status=Status.RETIRED, kind="conference")
    make_hashtag("Pending", status=Status.PENDING)
    make_hashtag("Rejected", status=Status.REJECTED, status_reason="Not health-related.")


def test_sitemap_lists_public_entries_and_categories_only(visitor, site):
    page = visitor.get("/sitemap.xml")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("application/xml")
    root = ET.fromstring(page.content)  # noqa: S314 (our own response, not untrusted)
    locations = {node.text for node in root.findall("s:url/s:loc", SITEMAP_NS)}
    pages = {
        "/",
        "/hashtags/",
        "/categories/",
        "/chats/",
        "/hashtags/HITsm/",
        "/hashtags/HIMSS17/",
        "/categories/health-it/",
    }
    # Each page in English at its plain address and in each other language under its
    # prefix.
    prefixes = ("", "/es", "/fr", "/pt", "/de")
    assert locations == {
        f"http://127.0.0.1:8000{prefix}{path}" for prefix in prefixes for path in pages
    }


def test_sitemap_uses_the_configured_site_address_not_the_host_header(visitor, site, settings):
    settings.SITE_URL = "https://hashtags.example.org"
    settings.ALLOWED_HOSTS = ["other.example.net"]
    page = visitor.get("/sitemap.xml", HTTP_HOST="other.example.net")
    assert b"<loc>https://hashtags.example.org/hashtags/HITsm/</loc>" in page.content
    assert b"other.example.net" not in page.content


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_private_pages(visitor, db):
    page = visitor.get("/robots.txt")
    assert page.status_code == 200
    assert page["Content-Type"] == "text/plain; charset=utf-8"
    text = page.content.decode()
    assert "User-agent: *" in text
    assert "Disallow: /admin/" in text
    assert "Disallow: /submit/status/" in text
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text


def test_server_error_page_is_in_the_sites_look_without_context(db):
    response = server_error(RequestFactory().get("/boom/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert 'href="/static/css/site.css"' in html
    assert 'href="/hashtags/"' in html


def test_any_unknown_address_gets_the_friendly_not_found_page(client, db, settings):
    settings.DEBUG = False
    page = client.get("/no/such/page/")
    assert page.status_code == 404
    html = page.content.decode()
    assert "Page not found" in html
    assert 'role="search"' in html
    assert '<meta name="robots" content="noindex">' in html


PAGES = [
    "/",
    "/hashtags/",
    "/hashtags/?q=hit",
    "/hashtags/HITsm/",
    "/hashtags/HIMSS17/",
    "/hashtags/Nothing/",
    "/categories/",
    "/categories/health-it/",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_script_or_event_handlers(visitor, site, url):
    html = visitor.get(url).content.decode()
    for script in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in script, script
    assert not re.search(r"<script\b[^>]*>\s*[^<\s]", html), "a script element with inline code"
    assert not re.search(r"\son[a-z]+\s*=", html), "an inline event handler"
    assert ' style="' not in html


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_one_h1_landmarks_and_a_title_and_description(visitor, site, url):
    html = visitor.get(url).content.decode()
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert re.search(r'<main id="main"', html)
    assert re.search(r'<nav [^>]*aria-label="Main"', html)
    assert "<header" in html and "<footer" in html
    title = re.search(r"<title>([^<]+)</title>", html).group(1)
    assert title.strip() and "Healthcare Hashtag Directory" in title
    description = re.search(r'<meta name="description" content="([^"]*)"', html).group(1)
    assert 40 <= len(description) <= 300
    # Headings do not skip a level on the way down.
    levels = [int(level) for level in re.findall(r"<h([1-6])[\s>]", html)]
    for previous, current in itertools.pairwise(levels):
        assert current <= previous + 1, levels


def test_the_admin_sign_in_page_has_one_h1_saying_what_it_is(client):
    html = client.get("/admin/login/").content.decode()
    assert re.findall(r"<h1[\s>][^<]*", html) == ["<h1>Sign in to the curators' workbench"]
