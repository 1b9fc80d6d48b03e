"""The directory's search in the visitor's language (PostgreSQL): an entry's name and
description are indexed in its own language's text-search configuration, and the
directory builds the query with its page language, so a Spanish visitor's "corazón"
finds an entry about "corazones"; English searches find what they found before."""

import pytest
from django.db import connection
from django.utils import translation

from directory.filters import DirectoryFilter
from hashtags.models import Hashtag
from hashtags.search import search, search_config

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("per-language full-text search needs PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def entries(make_hashtag):
    make_hashtag(
        "ApoyoCardio", name="Apoyo cardiaco", language="es-MX",
        description="Grupos de apoyo para corazones sanos",
    )  # fmt: skip
    make_hashtag(
        "HeartTalk", name="Heart talk", language="en",
        description="Communities supporting healthy hearts",
    )  # fmt: skip


def directory_tags(query: str, language: str) -> list[str]:
    with translation.override(language):
        filterset = DirectoryFilter({"q": query}, queryset=Hashtag.objects.public())
        assert filterset.is_valid()
        return [entry.tag for entry in filterset.qs]


def test_a_spanish_visitor_finds_other_forms_of_a_spanish_word(entries):
    assert directory_tags("corazón", "es") == ["ApoyoCardio"]
    # The English page matches English word forms only: "corazón" is not "corazones" there.
    assert directory_tags("corazón", "en") == []


def test_english_word_forms_are_found_on_every_page(entries):
    assert directory_tags("community", "en") == ["HeartTalk"]
    assert directory_tags("community", "es") == ["HeartTalk"]
    # The API searches as before: English forms and prefixes.
    assert [e.tag for e in search(Hashtag.objects.public(), "heart")] == ["HeartTalk"]


def test_each_language_has_its_configuration():
    assert search_config("es-MX") == "spanish"
    assert search_config("PT-br") == "portuguese"
    assert search_config("ja") == "simple"
    assert search_config("") == "simple"
