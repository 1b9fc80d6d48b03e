"""The registry's rules live in the database: these tests write past the forms and the
model validation, straight to the database, and expect it to refuse."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction

from hashtags.models import Alias, Chat, Hashtag, Identity, Status

pytestmark = pytest.mark.django_db


def refused_by_database(write) -> IntegrityError:
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
        # Foreign keys are checked at commit; check them now, inside the savepoint.
        connection.check_constraints()
    return caught.value


def raw_hashtag(tag: str, status: str = Status.APPROVED, **fields) -> Hashtag:
    return Hashtag(tag=tag, name="Raw", kind="other", status=status, **fields)


def test_database_refuses_a_second_live_hashtag_in_another_case(make_hashtag):
    make_hashtag("Foo")
    refused_by_database(lambda: raw_hashtag("FOO").save())
    assert Hashtag.objects.count() == 1


def test_database_refuses_a_duplicate_through_bulk_create(make_hashtag):
    make_hashtag("Foo")
    refused_by_database(lambda: Hashtag.objects.bulk_create([raw_hashtag("foo")]))
    assert list(Hashtag.objects.values_list("tag", flat=True)) == ["Foo"]


def test_database_refuses_two_spellings_of_one_tag_in_one_bulk_create(db):
    refused_by_database(
        lambda: Hashtag.objects.bulk_create([raw_hashtag("Foo"), raw_hashtag("ＦＯＯ")])
    )
    assert not Hashtag.objects.exists()


def test_database_refuses_a_bulk_insert_that_skips_the_identity_key(db):
    # A plain QuerySet bypasses the manager that fills the key: the empty key is refused.
    plain = models.QuerySet(model=Hashtag)
    refused_by_database(lambda: plain.bulk_create([raw_hashtag("Foo")]))


def test_a_pending_entry_holds_its_identity(make_hashtag):
    make_hashtag("Foo", status=Status.PENDING)
    refused_by_database(lambda: raw_hashtag("foo").save())


def test_a_rejected_entry_does_not_block_a_later_one(make_hashtag):
    rejected = make_hashtag("Foo", status=Status.PENDING)
    rejected.status = Status.REJECTED
    rejected.status_reason = "Not health-related."
    rejected.save()
    later = make_hashtag("foo", status=Status.PENDING)
    assert Hashtag.objects.resolve("#FOO") == later
    assert Hashtag.objects.filter(key="foo").count() == 2


def test_the_database_refuses_a_second_live_entry_when_the_status_changes_back(make_hashtag):
    rejected = make_hashtag("Foo", status=Status.REJECTED, status_reason="Duplicate.")
    make_hashtag("foo")
    rejected.status = Status.APPROVED
    refused_by_database(rejected.save)


def test_an_alias_cannot_take_a_live_tag(make_hashtag):
    make_hashtag("HCLDR")
    other = make_hashtag("hcsm")
    refused_by_database(lambda: Alias(hashtag=other, tag="hcldr").save())


def test_a_tag_cannot_take_a_live_alias(make_hashtag):
    entry = make_hashtag("MedEd")
    Alias(hashtag=entry, tag="MedicalEducation").save()
    refused_by_database(lambda: raw_hashtag("medicaleducation").save())
    refused_by_database(
        lambda: Identity.objects.bulk_create(
            [Identity(hashtag=entry, tag="MEDICALEDUCATION", key="medicaleducation")]
        )
    )


def test_validation_names_the_entry_that_already_holds_the_identity(make_hashtag):
    entry = make_hashtag("MedEd")
    Alias(hashtag=entry, tag="MedicalEducation").save()
    make_hashtag("LCSM", status=Status.PENDING)
    cases = {
        "#meded": "#MedEd is already in the directory.",
        "medicaleducation": "as another name for #MedEd",
        "lcsm": "#LCSM has already been submitted and is awaiting review.",
    }
    for tag, message in cases.items():
        with pytest.raises(ValidationError) as caught:
            raw_hashtag(tag).full_clean()
        assert message in " ".join(caught.value.message_dict["tag"])


def test_an_alias_resolves_to_its_entry(make_hashtag):
    entry = make_hashtag("WomeninHIT")
    Alias(hashtag=entry, tag="WomenInHealthIT").save()
    assert Hashtag.objects.resolve("#womeninhealthit") == entry
    assert Hashtag.objects.resolve("womeninhit") == entry
    assert Hashtag.objects.resolve("nothing") is None


def test_rejecting_an_entry_releases_its_aliases(make_hashtag):
    entry = make_hashtag("Foo", status=Status.PENDING)
    Alias(hashtag=entry, tag="FooChat").save()
    entry.status, entry.status_reason = Status.REJECTED, "Spam."
    entry.save()
    assert not Identity.objects.filter(hashtag=entry).exists()
    make_hashtag("foochat")


def test_renaming_a_tag_moves_its_identity(make_hashtag):
    entry = make_hashtag("HCLDRchat")
    entry.tag = "HCLDR"
    entry.save()
    assert Hashtag.objects.resolve("hcldrchat") is None
    assert Hashtag.objects.resolve("hcldr") == entry
    make_hashtag("HCLDRchat")


def test_the_tag_is_normalised_by_model_validation(make_hashtag):
    entry = make_hashtag("＃ＨＣＬＤＲ")
    assert (entry.tag, entry.key) == ("HCLDR", "hcldr")


def test_model_validation_refuses_a_bad_tag_naming_the_field(db):
    with pytest.raises(ValidationError) as caught:
        raw_hashtag("health care").full_clean()
    assert "cannot contain spaces" in caught.value.message_dict["tag"][0]


def test_conference_dates_must_be_in_order(db):
    entry = raw_hashtag("HIMSS17", start_date=date(2017, 2, 23), end_date=date(2017, 2, 19))
    refused_by_database(entry.save)


def test_website_must_be_http_or_https(db):
    with pytest.raises(ValidationError) as caught:
        raw_hashtag("Foo", website="javascript:alert(1)").full_clean()
    assert "website" in caught.value.message_dict


def test_language_must_be_a_bcp47_tag(db):
    raw_hashtag("Foo", language="pt-BR").full_clean()
    with pytest.raises(ValidationError) as caught:
        raw_hashtag("Foo", language="english!").full_clean()
    assert "BCP 47" in caught.value.message_dict["language"][0]


def chat(hashtag: Hashtag, **fields) -> Chat:
    values = {"weekdays": "TU", "start_time": time(20, 30), "timezone_id": "America/New_York"}
    values.update(fields)
    return Chat(hashtag=hashtag, **values)


def test_database_refuses_a_time_zone_that_does_not_exist(make_hashtag):
    entry = make_hashtag("HCLDR")
    refused_by_database(lambda: Chat.objects.bulk_create([chat(entry, timezone_id="Mars/Olympus")]))
    with pytest.raises(ValidationError) as caught:
        chat(entry, timezone_id="Mars/Olympus").full_clean()
    assert "timezone" in caught.value.message_dict


@pytest.mark.parametrize("minutes", [0, 4, 1441, 10_000])
def test_database_refuses_a_duration_that_is_not_sane(make_hashtag, minutes):
    entry = make_hashtag("HCLDR")
    refused_by_database(lambda: chat(entry, duration_minutes=minutes).save())


def test_database_refuses_every_n_weeks_without_an_anchor_date(make_hashtag):
    entry = make_hashtag("LCSM")
    refused_by_database(lambda: chat(entry, interval=2).save())
    chat(entry, interval=2, starts_on=date(2026, 1, 8)).save()


def test_database_refuses_a_monthly_chat_without_weeks_of_the_month(make_hashtag):
    entry = make_hashtag("Foo")
    refused_by_database(lambda: chat(entry, frequency="monthly").save())
    refused_by_database(lambda: chat(entry, frequency="weekly", month_weeks="1").save())
    chat(entry, frequency="monthly", month_weeks="1,3", weekdays="TH").save()


def test_chat_validation_canonicalises_weekdays_and_explains_errors(make_hashtag):
    entry = make_hashtag("Foo")
    valid = chat(entry, weekdays="TH,MO,TH", frequency="monthly", month_weeks="-1,1")
    valid.full_clean()
    assert (valid.weekdays, valid.month_weeks) == ("MO,TH", "1,-1")
    with pytest.raises(ValidationError) as caught:
        chat(entry, weekdays="XX").full_clean()
    assert "Unknown weekday" in caught.value.message_dict["weekdays"][0]
    with pytest.raises(ValidationError) as caught:
        chat(entry, interval=3).full_clean()
    assert "needs a start date" in caught.value.message_dict["starts_on"][0]


def test_category_paths_follow_the_tree(make_category, make_hashtag):
    diseases = make_category("diseases")
    cancer = make_category("cancer", parent=diseases)
    breast = make_category("breast-cancer", parent=cancer)
    assert breast.path == "diseases/cancer/breast-cancer"
    inside = make_hashtag("BCSM", categories=[breast])
    make_hashtag("hcsm")
    assert list(Hashtag.objects.in_category(diseases)) == [inside]

    # Moving a branch moves every category below it.
    conditions = make_category("conditions")
    cancer.parent = conditions
    cancer.save()
    breast.refresh_from_db()
    assert breast.path == "conditions/cancer/breast-cancer"
    assert list(Hashtag.objects.in_category(conditions)) == [inside]
    assert not Hashtag.objects.in_category(diseases).exists()


def test_a_category_cannot_sit_below_itself(make_category):
    top = make_category("top")
    child = make_category("child", parent=top)
    top.parent = child
    with pytest.raises(ValidationError):
        top.full_clean()


def test_only_approved_and_retired_entries_are_public(make_hashtag):
    make_hashtag("Approved")
    make_hashtag("Retired", status=Status.RETIRED)
    make_hashtag("Pending", status=Status.PENDING)
    make_hashtag("Rejected", status=Status.REJECTED, status_reason="Spam.")
    assert sorted(Hashtag.objects.public().values_list("tag", flat=True)) == [
        "Approved",
        "Retired",
    ]


def test_every_write_is_recorded_in_the_history(make_hashtag):
    entry = make_hashtag("Foo", status=Status.PENDING)
    entry.status = Status.APPROVED
    entry.save()
    assert [h.status for h in entry.history.order_by("history_date")] == ["pending", "approved"]
