"""`manage.py seed_demo` loads a real demo registry, and a second run changes nothing."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from hashtags.models import Chat, Hashtag, Status, Submission
from tests.support import shared_by_the_module

pytestmark = pytest.mark.django_db


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every registry table, history included."""
    return {
        model._meta.label: sorted(map(repr, model.objects.values_list()))
        for model in apps.get_app_config("hashtags").get_models()
    }


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded once for the module (seeding takes seconds)."""
    with shared_by_the_module(django_db_blocker):
        seed()
        yield


def test_seed_demo_loads_the_named_hashtags_with_their_chats(seeded):
    public = set(Hashtag.objects.public().values_list("tag", flat=True))
    assert {
        "HCLDR",
        "HITsm",
        "hcsm",
        "BCSM",
        "MedEd",
        "pinksocks",
        "epatient",
        "HealthITChicks",
        "HIMSS17",
        "LCSM",
    } <= public
    hcldr = Chat.objects.get(hashtag__tag="HCLDR")
    assert (hcldr.weekdays, hcldr.start_time.isoformat(), hcldr.timezone_id) == (
        "TU",
        "20:30:00",
        "America/New_York",
    )
    # A format change is two chat records: weekly, then monthly until the last chat.
    weekly, monthly = Chat.objects.filter(hashtag__tag="HITsm").order_by("-frequency")
    assert (monthly.frequency, monthly.weekdays, monthly.ends_on.isoformat()) == (
        "monthly",
        "FR",
        "2023-04-07",
    )
    assert (weekly.frequency, weekly.starts_on) == ("weekly", None)  # 10 Jan 2011 is a Monday
    assert "http" in hcldr.note  # where the schedule comes from
    himss = Hashtag.objects.get(tag="HIMSS17")
    assert himss.kind == "conference" and himss.start_date.isoformat() == "2017-02-19"


def test_seed_demo_fills_the_review_queue(seeded):
    pending = Hashtag.objects.pending()
    assert pending.count() >= 2
    assert (
        Submission.objects.filter(state="pending", hashtag__in=pending).count() == pending.count()
    )
    assert not Hashtag.objects.public().filter(tag__in=pending.values("tag")).exists()


def test_seed_demo_builds_a_category_tree(seeded):
    breast = Hashtag.objects.get(tag="BCSM").categories.get(slug="breast-cancer")
    assert breast.path == "diseases/cancer/breast-cancer"
    used_roots = {
        path.split("/")[0]
        for path in Hashtag.objects.public().values_list("categories__path", flat=True)
        if path
    }
    assert {"diseases", "specialties", "conferences", "health-it", "patient-advocacy"} <= used_roots


def test_seed_demo_twice_changes_nothing(seeded):
    first = snapshot()
    output = seed()
    assert "0 entries added" in output
    assert snapshot() == first


def test_seed_demo_loads_the_data_file_through_the_importer(seeded):
    """The demo is the registry's own open-data format: the export of a freshly seeded
    registry holds every public entry of the file with the file's values."""
    import json

    from hashtags.management.commands.seed_demo import DEMO_FILE
    from hashtags.opendata import registry_io

    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    in_review = {item["tag"] for item in data["in_review"]}
    exported = {entry["tag"]: entry for entry in registry_io.iter_entries(include_retired=True)}
    for entry in data["hashtags"]:
        if entry["tag"] in in_review:
            assert entry["tag"] not in exported
            continue
        got = exported[entry["tag"]]
        for key in ("name", "kind", "description", "source", "categories", "chats"):
            assert got[key] == entry[key], (entry["tag"], key)


def test_seed_demo_does_not_overwrite_a_curator_edit(seeded):
    entry = Hashtag.objects.get(tag="HCLDR")
    entry.name = "Healthcare Leaders (edited)"
    entry.save()
    seed()
    entry.refresh_from_db()
    assert entry.name == "Healthcare Leaders (edited)"
    assert entry.status == Status.APPROVED
