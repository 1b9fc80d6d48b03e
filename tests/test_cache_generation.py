"""Which writes retire the cached pages (hashtags/serving/cache.py): every change a visitor could
see does; writes that only concern entries nobody can see (a new submission, a rejection,
a pending entry's links) do not, so public submissions cannot empty the page cache."""

import re

import pytest

from hashtags.curation import moderation
from hashtags.models import Alias, Hashtag, Moderator, Status
from hashtags.serving.cache import generation, per_generation
from tests.submission_helpers import submission_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write as a committed transaction would (the bump waits for the commit)."""

    def run(write):
        before = generation()
        with django_capture_on_commit_callbacks(execute=True):
            write()
        return generation() != before

    return run


def test_a_public_submission_keeps_the_cached_pages(committed, visitor, make_hashtag):
    make_hashtag("HCLDR")
    response = []
    assert not committed(lambda: response.append(visitor.post("/submit/", submission_data())))
    assert response[0].status_code == 302
    assert Hashtag.objects.get(key="newchat").status == Status.PENDING


def test_approving_it_retires_them(committed, make_hashtag, curator):
    pending = make_hashtag("NewChat", status=Status.PENDING)
    assert committed(lambda: moderation.approve(hashtag=pending, curator=curator))


def test_rejecting_a_pending_entry_keeps_them(committed, make_hashtag, curator):
    pending = make_hashtag("NewChat", status=Status.PENDING)
    assert not committed(lambda: moderation.reject(hashtag=pending, curator=curator, reason="x"))


def test_retiring_a_public_entry_retires_them(committed, make_hashtag, curator):
    public = make_hashtag("HIMSS17")
    assert committed(lambda: moderation.retire(hashtag=public, curator=curator))


def test_editing_a_public_entry_or_its_chats_and_aliases_retires_them(
    committed, make_hashtag, make_chat
):
    public = make_hashtag("HCLDR")
    chat = make_chat(public)

    def rename():
        public.name = "Healthcare Leaders"
        public.save()

    def move_chat():
        chat.duration_minutes = 90
        chat.save()

    assert committed(rename)
    assert committed(move_chat)
    assert committed(lambda: Alias.objects.create(hashtag=public, tag="HCLDRchat"))


def test_a_pending_entrys_chats_aliases_and_links_keep_them(
    committed, make_hashtag, make_chat, make_category
):
    pending = make_hashtag("NewChat", status=Status.PENDING)
    category = make_category("leadership")
    assert not committed(lambda: make_chat(pending))
    assert not committed(lambda: Alias.objects.create(hashtag=pending, tag="NewChatAlias"))
    assert not committed(lambda: pending.categories.add(category))
    assert not committed(pending.delete)


def test_a_pending_entry_read_from_the_database_and_edited_keeps_them(committed, make_hashtag):
    make_hashtag("NewChat", status=Status.PENDING)
    pending = Hashtag.objects.get(key="newchat")

    def edit():
        pending.name = "A better name"
        pending.save()

    assert not committed(edit)


def test_categories_moderators_and_reverse_links_retire_them(
    committed, make_hashtag, make_category
):
    public = make_hashtag("HCLDR")
    assert committed(lambda: make_category("leadership"))
    category = make_category("nursing")
    assert committed(lambda: category.hashtags.add(public))
    moderator = Moderator.objects.create(handle="pat", platform_id="x")  # linked to nothing
    assert not committed(lambda: Moderator.objects.create(handle="sam", platform_id="x"))

    def rename():
        moderator.display_name = "Pat"
        moderator.save()

    assert committed(rename)  # its details show on the pages of the entries it hosts


def test_an_entry_whose_status_was_not_read_counts_as_possibly_public(committed, make_hashtag):
    make_hashtag("HCLDR", status=Status.PENDING)
    partial = Hashtag.objects.only("pk", "tag", "name").get(key="hcldr")

    def edit():
        partial.name = "Renamed"
        partial.save(update_fields=["name"])

    assert committed(edit)


def test_a_per_generation_value_is_computed_once_until_a_visible_change(committed, make_hashtag):
    calls = []

    def count() -> int:
        calls.append(1)
        return Hashtag.objects.public().count()

    assert per_generation("public-count", count) == 0
    assert per_generation("public-count", count) == 0
    assert len(calls) == 1
    assert committed(lambda: make_hashtag("HCLDR"))
    assert per_generation("public-count", count) == 1
    assert len(calls) == 2


def test_the_category_counts_follow_a_visible_change(
    committed, visitor, make_hashtag, make_category
):
    category = make_category("leadership", name="Leadership")
    counted = re.compile(r"Leadership</a> <span class=\"count\">(\d+)")
    assert (
        'Leadership</a> <span class="count">no hashtags yet'
        in visitor.get("/categories/").content.decode()
    )
    committed(lambda: make_hashtag("HCLDR", categories=[category]))
    assert counted.search(visitor.get("/categories/").content.decode()).group(1) == "1"
    assert counted.search(visitor.get("/").content.decode()).group(1) == "1"
