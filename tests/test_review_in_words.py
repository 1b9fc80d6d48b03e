"""The review pages show an entry's fields in words — categories by name, a chat's
schedule, hosts as people read them — never as JSON, and an edit suggestion's changes
marked: what it removes struck out, what it adds underlined."""

from datetime import time

import pytest

from hashtags import entries
from hashtags.curation import suggestions

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggestion(make_hashtag, make_category, curator):
    cancer, oncology = make_category("cancer"), make_category("oncology")
    entry = make_hashtag("BCSM", name="Breast Cancer Social Media", categories=[cancer])
    entries.update(
        hashtag=entry,
        curator=curator,
        chats=[{"weekdays": "MO", "start_time": time(21), "timezone": "America/New_York"}],
    )
    return suggestions.suggest_edit(
        hashtag=entry,
        submitter_name="Sam",
        submitter_email="sam@example.org",
        categories=[cancer, oncology],
        chats=[{"weekdays": "TU", "start_time": time(20), "timezone": "America/New_York"}],
    )


def test_an_edit_is_shown_in_words_with_its_changes_marked(suggestion, curator_client):
    page = curator_client.get(f"/admin/review/edit/{suggestion.pk}/").content.decode()
    table = page[
        page.index('id="diff-heading"') : page.index("</table>", page.index("diff-heading"))
    ]
    assert '<th scope="row">Categories</th>' in table
    assert "<ins>Oncology</ins>" in table  # added
    assert "Cancer" in table and "<del>Cancer</del>" not in table  # kept
    assert "<del>Mondays at 9:00 PM" in table  # the chat it replaces
    assert "<ins>Tuesdays at 8:00 PM" in table
    assert '"weekdays"' not in table and "[" not in table and "{" not in table


def test_the_submissions_admin_shows_the_changes_in_words(suggestion, curator_client):
    page = curator_client.get(
        f"/admin/hashtags/submission/{suggestion.pk}/change/"
    ).content.decode()
    assert "Tuesdays at 8:00 PM" in page
    assert '"weekdays"' not in page
