"""The site as a Spanish, French, Portuguese or German reader meets it, on the demo
registry and its real catalogues: the page's own language in its navigation, dates in
that language's words, and the email a submission brings."""

import re

import pytest
from django.core import mail
from django.core.management import call_command

from tests.submission_helpers import submission_data

NAVIGATION = ("Directory", "Categories", "Upcoming chats", "Register a hashtag")


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def navigation_words(page: str) -> str:
    nav = re.search(r'<nav class="site-nav".*?</nav>', page, re.S)
    assert nav, "the page has its main navigation"
    return re.sub(r"<[^>]+>", " ", nav.group(0))


def test_the_english_home_names_its_navigation_in_english(client, demo):
    words = navigation_words(client.get("/").content.decode())
    assert all(word in words for word in NAVIGATION)


@pytest.mark.parametrize("code", ["es", "fr", "pt", "de"])
def test_each_languages_home_says_its_navigation_in_that_language(client, demo, code):
    answer = client.get(f"/{code}/")
    page = answer.content.decode()
    assert answer.status_code == 200
    assert f'<html lang="{code}"' in page
    words = navigation_words(page)
    assert [word for word in NAVIGATION if word in words] == []


def test_the_spanish_hcldr_page_says_when_its_chat_ended_in_spanish(client, demo):
    page = client.get("/es/hashtags/HCLDR/").content.decode()
    # The chat's state, in Spanish; the entry's description stays as it was written.
    assert "31 de octubre de 2023" in page


def test_a_submission_on_the_spanish_form_is_acknowledged_in_spanish(
    visitor, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = visitor.post("/es/submit/", submission_data())
    assert answer.status_code == 302
    (message,) = mail.outbox
    assert "hemos recibido su solicitud" in message.subject
    assert "Thank you for registering" not in message.body


def test_the_error_pages_and_the_api_docs_say_their_language(client, db):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("fr"):
        assert '<html lang="fr">' in render_to_string("500.html")
        assert '<html lang="fr">' in render_to_string("503.html")
    assert '<html lang="en">' in render_to_string("500.html")
    docs = client.get("/api/v1/docs/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de">' in docs
