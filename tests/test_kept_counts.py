"""The counts of the unfiltered directory, the home page and the category tree are kept as
entries are published (hashtags.published), not counted when read: after every kind of
change they equal a fresh count of the registry, reading them costs the same few queries
however many entries there are, and a change that rolls back leaves them as they were."""

from datetime import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from directory.filters import DirectoryFilter, kept_facets
from hashtags import entries
from hashtags.counts import categories_with_counts, public_category_counts
from hashtags.curation import moderation
from hashtags.models import Category, Chat, Hashtag, Published, Status
from hashtags.published import count_differences as differences
from hashtags.published import differences as published_differences
from hashtags.published import publish, publish_all
from tests.support import facet_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry(make_hashtag, make_category, make_chat):
    diseases = make_category("diseases", name="Diseases")
    cancer = make_category("cancer", parent=diseases, name="Cancer")
    make_category("breast-cancer", parent=cancer, name="Breast cancer")
    leadership = make_category("leadership", name="Leadership")
    hcldr = make_hashtag("HCLDR", kind="chat", categories=[leadership], platforms=["x"])
    make_chat(hcldr, weekdays="TU", start_time=time(20, 30))
    bcsm = make_hashtag(
        "BCSM", kind="disease", categories=[cancer, leadership], platforms=["x", "bluesky"]
    )
    make_chat(bcsm, weekdays="MO", start_time=time(21, 0))
    make_hashtag("Salud", kind="community", language="es", categories=[diseases])
    make_hashtag("Pending", status=Status.PENDING, categories=[cancer], platforms=["x"])


def counted_afresh() -> object:
    """What the directory's counts would be if the registry were counted now."""
    filterset = DirectoryFilter({}, queryset=Hashtag.objects.public())
    assert filterset.is_valid()
    return filterset.facets()


def assert_kept_counts_are_right() -> None:
    assert differences() == {}
    assert kept_facets() == counted_afresh()
    tree = {c.slug: c.entry_count for c in public_category_counts()}
    fresh = {c.slug: c.entry_count for c in categories_with_counts(Hashtag.objects.public())}
    assert tree == fresh


@pytest.fixture
def change(django_capture_on_commit_callbacks):
    """A change as a curator makes it: in a transaction, whose hooks run on commit."""

    def run(write) -> None:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            write()

    return run


def test_the_counts_follow_every_kind_of_change(registry, make_hashtag, make_chat, curator, change):
    assert_kept_counts_are_right()
    assert kept_facets().total == 3
    bcsm = Hashtag.objects.get(tag="BCSM")
    salud = Hashtag.objects.get(tag="Salud")
    pending = Hashtag.objects.get(tag="Pending")

    def edit(entry, **fields):
        entries.update(hashtag=entry, curator=curator, **fields)

    def categories(entry):
        return list(Hashtag.objects.get(pk=entry.pk).categories.all())

    def past_the_write_path(write, *ids):
        # A writer that goes past hashtags.entries publishes what it wrote (the admin does).
        write()
        publish(ids)

    hcldr = Hashtag.objects.get(tag="HCLDR")
    steps = [
        lambda: edit(salud, kind="chat"),
        lambda: edit(salud, language="es-MX"),
        lambda: edit(
            salud, categories=[*categories(salud), Category.objects.get(slug="breast-cancer")]
        ),
        lambda: edit(salud, categories=[c for c in categories(salud) if c.slug != "diseases"]),
        lambda: edit(bcsm, categories=[]),
        lambda: edit(salud, platforms=["bluesky"]),
        lambda: Chat.objects.filter(hashtag=bcsm).update(is_active=False) or None,
        lambda: make_chat(salud, weekdays="FR", start_time=time(18, 0)),
        lambda: edit(salud, chats=[]),
        lambda: moderation.approve(hashtag=pending, curator=curator),
        lambda: moderation.retire(hashtag=bcsm, curator=curator),
        lambda: moderation.add_alias(hashtag=salud, tag="SaludDigital", curator=curator),
        lambda: make_hashtag("Conf26", kind="conference", platforms=["linkedin"]),
        lambda: past_the_write_path(hcldr.delete, hcldr.pk),
        lambda: past_the_write_path(Category.objects.get(slug="breast-cancer").delete, salud.pk),
        lambda: moderation.merge(
            duplicate=salud, into=Hashtag.objects.get(tag="Conf26"), curator=curator
        ),
    ]
    for number, step in enumerate(steps):
        change(step)
        if number == 6:
            # A queryset update goes past the write path: the published rows (which the
            # counts and the filters read) are behind, and `publish --check` says so,
            # until everything is published again.
            assert published_differences()
            with pytest.raises(SystemExit):
                call_command("publish", check=True)
            call_command("publish")  # and expires every cached page and count
        assert_kept_counts_are_right()
    assert set(Published.objects.values_list("entry_id", flat=True)) == set(
        Hashtag.objects.public().values_list("pk", flat=True)
    )


def test_a_change_that_rolls_back_leaves_the_counts(registry):
    before = kept_facets()
    with pytest.raises(RuntimeError), transaction.atomic():
        salud = Hashtag.objects.get(tag="Salud")
        entries.update(hashtag=salud, curator=None, kind="chat")
        assert kept_facets().kinds != before.kinds  # counted at once, in the transaction
        raise RuntimeError("the curator's save failed")
    assert kept_facets() == before
    assert_kept_counts_are_right()


def test_reading_the_counts_costs_the_same_for_three_entries_or_forty(
    registry, make_hashtag, visitor
):
    def queries_for_the_directory() -> int:
        with CaptureQueriesContext(connection) as queries:
            page = visitor.get("/hashtags/").content.decode()
        assert facet_count(page, "kind", "disease") == 1
        assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        return len(queries.captured_queries)

    few = queries_for_the_directory()
    for number in range(37):
        make_hashtag(f"Extra{number}", kind="community", platforms=["x"])
    assert queries_for_the_directory() == few
    assert kept_facets().total == 40


def test_rebuild_counts_what_the_changes_kept(registry, make_hashtag):
    make_hashtag("Another", kind="disease", categories=[Category.objects.get(slug="cancer")])
    kept = kept_facets()
    assert publish_all() == 4
    assert kept_facets() == kept
    assert_kept_counts_are_right()


SEARCHES = [
    {"q": "cancer"},
    {"q": "c"},
    {"q": "hcldr"},
    {"q": "social", "kind": "disease"},
    {"q": "social", "language": "es"},
    {"q": "social", "language": "ES", "has_chat": "false"},
    {"q": "social", "has_chat": "true", "platform": "x"},
    {"q": "social", "category": "diseases"},
    {"q": "social", "category": "cancer", "platform": "bluesky", "kind": "disease"},
    {"q": "nothing-matches-this"},
]


@pytest.mark.parametrize("params", SEARCHES, ids=lambda params: repr(params))
def test_a_searchs_counts_from_its_matches_equal_the_grouped_queries(
    registry, make_hashtag, make_chat, params
):
    cancer = Category.objects.get(slug="cancer")
    es = make_hashtag(
        "SaludSocial", name="Salud social", kind="disease", language="es-MX", categories=[cancer]
    )
    es.platforms.set(["bluesky"])
    make_chat(es, weekdays="FR", start_time=time(18, 0))
    make_hashtag("SocialCancer", name="Social cancer", kind="disease", platforms=["x"])
    for entry in Hashtag.objects.all():
        entry.description = f"{entry.name}: social media for cancer"
        entry.save()
    publish(Hashtag.objects.values_list("pk", flat=True))
    filterset = DirectoryFilter(params, queryset=Hashtag.objects.public())
    assert filterset.is_valid(), filterset.errors
    from_matches = filterset.facets()
    assert from_matches == filterset.facets_in_sql()
    if params["q"] == "social":
        assert from_matches.total  # the comparison compares something
