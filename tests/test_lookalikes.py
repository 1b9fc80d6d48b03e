"""Look-alike tags: invisible characters, mixed scripts and confusable letters are
refused at every entry point (form, API, admin, import, aliases), settled by the
database's unique skeletons, and a look-alike pair stored before the rule is shown to
curators as near duplicates."""

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from hashtags import entries, validators
from hashtags.curation import moderation
from hashtags.models import Alias, Hashtag, Identity, IdentitySkeleton, Status, Submission
from hashtags.validators import (
    SCRIPT_NAMES,
    clean_tag,
    key_skeleton,
    script_extensions,
    tag_skeleton,
)
from tests.submission_helpers import proposal, submission_data
from tests.support import run_at_once, submit

fill_skeletons = importlib.import_module(
    "hashtags.migrations.0010_identity_skeleton"
).fill_skeletons
hold_skeletons = importlib.import_module(
    "hashtags.migrations.0021_identity_skeletons_held"
).hold_skeletons

CYRILLIC_PACE = "\u0420\u0410\u0421\u0415"  # РАСЕ: every letter Cyrillic
LATIN_I_FOR_L = "WomenlnHlT"  # lowercase l where WomenInHIT has capital I


def refusal(raw: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean_tag(raw)
    return caught.value


# --- Invisible characters --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        ("HC\u034fLDR", "U+034F COMBINING GRAPHEME JOINER"),
        ("HC\u115fLDR", "U+115F HANGUL CHOSEONG FILLER"),
        ("HC\u1160LDR", "U+1160 HANGUL JUNGSEONG FILLER"),
        ("HC\u3164LDR", "U+1160 HANGUL JUNGSEONG FILLER"),  # NFKC folds it to U+1160
        ("HC\uffa0LDR", "U+1160 HANGUL JUNGSEONG FILLER"),
        ("HCL\ufe00DR", "U+FE00 VARIATION SELECTOR-1"),
        ("HCL\U000e0100DR", "U+E0100 VARIATION SELECTOR-17"),
        ("HCLD\u17b4R", "U+17B4 KHMER VOWEL INHERENT AQ"),
        ("HCLD\u17b5R", "U+17B5 KHMER VOWEL INHERENT AA"),
        ("H\u180bCLDR", "U+180B MONGOLIAN FREE VARIATION SELECTOR ONE"),
        ("H\u180eCLDR", "U+180E MONGOLIAN VOWEL SEPARATOR"),
        ("H\u180fCLDR", "U+180F MONGOLIAN FREE VARIATION SELECTOR FOUR"),
        ("HC\u200cLDR", "U+200C ZERO WIDTH NON-JOINER"),
        ("HC\u200dLDR", "U+200D ZERO WIDTH JOINER"),
    ],
)
def test_an_invisible_character_is_refused_and_named(raw, found):
    error = refusal(raw)
    assert error.code == "invisible"
    assert found in error.messages[0]


@pytest.mark.parametrize("mark", ["\u0335", "\u0338"])
def test_an_overlay_mark_is_refused(mark):
    error = refusal(f"HC{mark}LDR")
    assert error.code == "overlay"
    assert "overlay marks" in error.messages[0]


@pytest.mark.parametrize(
    "tag",
    [
        "\u0633\u0644\u0627\u0645\u062a\u200c\u0631\u0648\u0627\u0646",  # Persian سلامت‌روان
        "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",  # Persian می‌خواهم
        "\u0915\u094d\u200c\u0937",  # Hindi: ZWNJ after a virama
        "\u0915\u094d\u200d\u0937",  # Hindi: ZWJ after a virama
    ],
)
def test_a_joiner_where_the_script_needs_it_is_kept(tag):
    assert clean_tag(tag) == tag


def test_a_joiner_at_the_end_or_between_non_joining_letters_is_refused():
    assert refusal("\u0633\u0644\u0627\u0645\u062a\u200c").code == "invisible"
    # Alef (ا) does not join to the letter after it: a ZWNJ there changes nothing visible.
    assert refusal("\u0627\u200c\u0628").code == "invisible"


# --- Scripts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "odd"),
    [
        ("#H\u0421LDR", "'С' (Cyrillic)"),
        ("Wom\u0435nInHIT", "'е' (Cyrillic)"),
        ("HCLD\u03a1", "'Ρ' (Greek)"),
        ("\u041c\u0435\u0434Care", "'C' (Latin)"),
        ("\u533b\u7642\uac74\u3042", "'あ' (Hiragana)"),  # Han + Hangul + Hiragana
    ],
)
def test_mixed_scripts_beyond_highly_restrictive_are_refused(raw, odd):
    error = refusal(raw)
    assert error.code == "mixed_script"
    assert odd in error.messages[0]


@pytest.mark.parametrize(
    "tag",
    [
        "\u041c\u0435\u0434\u0438\u0446\u0438\u043d\u0430",  # Медицина
        "\u0399\u03b1\u03c4\u03c1\u03b9\u03ba\u03ae",  # Ιατρική
        "\u533b\u7642\u30b1\u30a2",  # 医療ケア: Han and Katakana
        "\u533b\u7642\u30b1\u30a2Japan2024",  # with Latin and digits
        "\u5065\u5eb7\u3105",  # Han and Bopomofo
        "\uac74\uac15\u5065\u5eb7Korea",  # Hangul, Han and Latin
        "WomenInHIT",
        "Kinder_Gesundheit_2025",
    ],
)
def test_single_script_and_allowed_mixes_are_accepted(tag):
    assert clean_tag(tag) == tag


def test_scripts_are_read_from_unicodes_published_data_files():
    """Issue 27: the script data is Unicode's Scripts.txt and ScriptExtensions.txt, kept
    in hashtags/unicode/, not a private table of a library."""
    assert script_extensions("\u0430") == {"Cyrl"}  # а
    assert script_extensions("\u0640") >= {"Arab", "Syrc"}  # the tatweel, shared
    assert script_extensions("1") == set() and script_extensions("_") == set()
    assert SCRIPT_NAMES["Cyrl"] == "Cyrillic"
    assert "_regex_core" not in Path(validators.__file__).read_text()


# --- Identifier types (TS 39) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "found", "kind"),
    [
        ("HCLD\u0280", "U+0280 LATIN LETTER SMALL CAPITAL R", "Technical"),
        ("W\u01bfnHIT", "U+01BF LATIN LETTER WYNN", "Obsolete"),
        ("H\u0115alth", "U+0115 LATIN SMALL LETTER E WITH BREVE", "Uncommon_Use"),
    ],
)
def test_a_technical_obsolete_or_uncommon_character_is_refused_and_named(raw, found, kind):
    error = refusal(raw)
    assert error.code == "identifier_type"
    assert found in error.messages[0] and kind in error.messages[0]


@pytest.mark.parametrize(
    "tag",
    [
        "\u13e3\u13b3\u13a9",  # ᏣᎳᎩ Cherokee
        "\u07d2\u07de\u07cf",  # ߒߞߏ N'Ko
        "\u2d5c\u2d30\u2d4e\u2d30\u2d63\u2d49\u2d56\u2d5c",  # ⵜⴰⵎⴰⵣⵉⵖⵜ Tifinagh
        "\u1403\u14c4\u1483\u144e\u1450\u1466",  # ᐃᓄᒃᑎᑐᑦ Inuktitut syllabics
    ],
)
def test_the_scripts_of_living_communities_stay_allowed(tag):
    """TS 39's Limited_Use scripts are in everyday use by their communities."""
    assert clean_tag(tag) == tag


def test_the_api_names_a_technical_letter_on_the_tag_field(api, make_category):
    make_category("critical-care")
    answer = api.post("/api/v1/submissions/", proposal(tag="HCLD\u0280"), format="json")
    assert answer.status_code == 400
    assert "U+0280 LATIN LETTER SMALL CAPITAL R" in answer.json()["tag"][0]


# --- Skeletons -------------------------------------------------------------------------


def test_skeletons_follow_unicode_ts39():
    assert tag_skeleton(CYRILLIC_PACE) == tag_skeleton("PACE")
    assert tag_skeleton("WomenInHIT") == tag_skeleton(LATIN_I_FOR_L)
    assert tag_skeleton("W\u0131nHIT") == tag_skeleton("WinHIT")  # dotless i
    assert tag_skeleton("modern") == tag_skeleton("rnodern")
    assert tag_skeleton("Heal0") == tag_skeleton("HealO")
    # Case-insensitively: 'pace' in Cyrillic looks like 'pace', which is #PACE.
    assert key_skeleton("\u0440\u0430\u0441\u0435") == key_skeleton("PACE")
    assert tag_skeleton("HIT") != tag_skeleton("HLT")


def test_a_tag_that_looks_like_another_entrys_key_is_refused(make_hashtag, curator):
    """'hcIdr' (capital I) reads as 'hcldr': its skeleton as written is the skeleton of
    HCLDR's key, a pair that neither skeleton alone matched."""
    make_hashtag("HCLDR")
    with pytest.raises(ValidationError) as caught:
        entries.create(curator=curator, tag="hcIdr", name="Look-alike", kind="chat")
    assert caught.value.message_dict["tag"] == [
        "This looks like #HCLDR, which is already in the directory."
    ]
    assert Hashtag.objects.count() == 1


def test_a_key_that_looks_like_another_tag_as_written_is_refused(make_hashtag, curator):
    """The reverse: a stored 'hcIdr' and a new 'HCLDR' whose key reads like it."""
    make_hashtag("hcIdr")
    with pytest.raises(ValidationError) as caught:
        entries.create(curator=curator, tag="HCLDR", name="Look-alike", kind="chat")
    assert caught.value.message_dict["tag"] == [
        "This looks like #hcIdr, which is already in the directory."
    ]


def test_the_form_refuses_a_mixed_case_lookalike(submitter, make_hashtag):
    make_hashtag("HCLDR")
    page = submitter(submission_data(tag="hcIdr"))
    assert page.status_code == 400
    assert "This looks like #HCLDR, which is already in the directory." in page.content.decode()


def test_an_alias_in_a_mixed_case_lookalike_form_is_refused(make_hashtag, curator):
    make_hashtag("HCLDR")
    entry = make_hashtag("Palliative")
    with pytest.raises(ValidationError) as caught:
        entries.update(hashtag=entry, curator=curator, aliases=["hcIdr"])
    assert caught.value.message_dict["aliases"] == [
        "This looks like #HCLDR, which is already in the directory."
    ]


# --- Every entry point -----------------------------------------------------------------


def test_the_form_refuses_a_lookalike_of_an_approved_entry(submitter, make_hashtag):
    make_hashtag("PACE")
    page = submitter(submission_data(tag=CYRILLIC_PACE))
    assert page.status_code == 400
    assert "This looks like #PACE, which is already in the directory." in page.content.decode()
    assert Hashtag.objects.count() == 1 and not Submission.objects.exists()


def test_the_form_refuses_a_mixed_script_tag(submitter, make_hashtag):
    make_hashtag("HCLDR")
    page = submitter(submission_data(tag="H\u0421LDR"))
    assert page.status_code == 400
    assert "cannot mix letters of different scripts" in page.content.decode()
    assert Hashtag.objects.count() == 1


def test_the_api_refuses_a_lookalike_of_a_pending_entry_on_its_tag_field(api, make_hashtag):
    make_hashtag("WomenInHIT", status=Status.PENDING)
    answer = api.post(
        "/api/v1/submissions/",
        {
            "tag": LATIN_I_FOR_L,
            "name": "Women in health IT",
            "kind": "community",
            "submitter_name": "Pat",
            "submitter_email": "pat@example.org",
        },
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["tag"] == [
        "This looks like #WomenInHIT, which has already been submitted and is awaiting review."
    ]


def test_a_curators_api_write_refuses_a_lowercase_lookalike(curator_api, make_hashtag):
    make_hashtag("PACE")
    answer = curator_api.post(
        "/api/v1/hashtags/",
        {"tag": "\u0440\u0430\u0441\u0435", "name": "Pace", "kind": "other"},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json() == {"tag": ["This looks like #PACE, which is already in the directory."]}


def test_an_alias_that_looks_like_another_entry_is_refused(make_hashtag, curator):
    make_hashtag("PACE")
    entry = make_hashtag("Palliative")
    with pytest.raises(ValidationError) as caught:
        entries.update(hashtag=entry, curator=curator, aliases=[CYRILLIC_PACE])
    assert caught.value.message_dict["aliases"] == [
        "This looks like #PACE, which is already in the directory."
    ]
    assert not entry.aliases.exists()


def test_an_alias_cannot_look_like_its_own_entry_or_another_alias(make_hashtag, curator):
    entry = make_hashtag("WomenInHIT")
    with pytest.raises(ValidationError) as caught:
        entries.update(
            hashtag=entry, curator=curator, aliases=[LATIN_I_FOR_L, "PACE", CYRILLIC_PACE]
        )
    assert caught.value.message_dict["aliases"] == [
        f"#{LATIN_I_FOR_L} looks like the entry's own tag, #WomenInHIT.",
        f"#PACE and #{CYRILLIC_PACE} look alike; keep one.",
    ]
    assert not entry.aliases.exists()


def test_the_admins_alias_path_refuses_a_lookalike(make_hashtag, curator):
    make_hashtag("PACE")
    entry = make_hashtag("Palliative")
    alias = Alias(hashtag=entry, tag=CYRILLIC_PACE)
    with pytest.raises(ValidationError) as caught:
        alias.full_clean()
    assert caught.value.message_dict["tag"] == [
        "This looks like #PACE, which is already in the directory."
    ]
    with pytest.raises(ValidationError):
        moderation.add_alias(hashtag=entry, tag=CYRILLIC_PACE, curator=curator)
    assert not entry.aliases.exists()


def test_the_import_refuses_a_lookalike_row_and_writes_nothing(tmp_path, db):
    path = tmp_path / "registry.csv"
    path.write_text(
        f"tag,name,kind\r\nPACE,Pace,other\r\n{CYRILLIC_PACE},Pace again,other\r\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_registry", str(path), stdout=out, stderr=io.StringIO())
    report = out.getvalue()
    assert "row 2 #PACE: created" in report
    assert f"row 3 #{CYRILLIC_PACE}: error: tag: This looks like #PACE" in report
    assert not Hashtag.objects.exists()


@pytest.mark.parametrize("stored", [False, True], ids=["in the same file", "stored before"])
def test_the_import_refuses_a_mixed_case_lookalike_row(tmp_path, make_hashtag, stored):
    """'hcIdr' (capital I) against HCLDR, judged over the identities a batch reads at once:
    in the same file (the earlier row held as if written) or stored before."""
    if stored:
        make_hashtag("HCLDR")
    rows = "" if stored else "HCLDR,Healthcare leaders,chat\r\n"
    path = tmp_path / "registry.csv"
    path.write_text(f"tag,name,kind\r\n{rows}hcIdr,Look-alike,chat\r\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_registry", str(path), stdout=out, stderr=io.StringIO())
    assert "#hcIdr: error: tag: This looks like #HCLDR" in out.getvalue()
    assert list(Hashtag.objects.values_list("tag", flat=True)) == (["HCLDR"] if stored else [])


def test_the_database_refuses_a_lookalike_written_past_validation(make_hashtag):
    entry = make_hashtag("PACE")
    with pytest.raises(IntegrityError), transaction.atomic():
        Identity.objects.create(hashtag=entry, tag=CYRILLIC_PACE, is_alias=True)


def test_a_rejected_lookalike_frees_nothing_and_blocks_nothing(make_hashtag, curator):
    pending = make_hashtag("PACE", status=Status.PENDING)
    moderation.reject(hashtag=pending, curator=curator, reason="Not a health hashtag.")
    assert clean_tag(CYRILLIC_PACE)
    make_hashtag(CYRILLIC_PACE)  # the Latin one is gone: nothing looks alike any more
    assert Identity.objects.get().tag == CYRILLIC_PACE


# --- A look-alike pair stored before the rule --------------------------------------------


@pytest.fixture
def stored_pair(make_hashtag):
    """#PACE (approved) and #РАСЕ (pending, later), as a database held them before
    migration 0010 filled the skeletons (and 0021 held them)."""
    older = make_hashtag("PACE")
    Identity.objects.update(skeleton=None, key_skeleton=None)
    IdentitySkeleton.objects.all().delete()
    later = make_hashtag(CYRILLIC_PACE, status=Status.PENDING)
    Identity.objects.update(skeleton=None, key_skeleton=None)
    IdentitySkeleton.objects.all().delete()
    # The migrations' own steps (their schema editor is only asked for the database vendor
    # and, on PostgreSQL, pauses the search trigger inside the test's transaction).
    fill_skeletons(django_apps, connection.schema_editor())
    hold_skeletons(django_apps, connection.schema_editor())
    return older, later


def test_the_migration_keeps_a_stored_pair_and_leaves_the_later_name_unjudged(stored_pair):
    older, later = stored_pair
    assert older.identities.get().skeleton == tag_skeleton("PACE")
    assert later.identities.get().skeleton is None
    assert later.identities.get().key_skeleton is None
    assert Hashtag.objects.filter(status__in=[Status.APPROVED, Status.PENDING]).count() == 2


def test_migration_0021_keeps_a_stored_crosswise_pair_and_leaves_the_later_unjudged(
    make_hashtag,
):
    """HCLDR and hcIdr (capital I), both stored before the crosswise rule: the older
    holds its skeletons, the later holds none and is left for a curator."""
    older = make_hashtag("HCLDR")
    later = make_hashtag("Later", status=Status.PENDING)
    # Written past the rules, as a database could hold it before them.
    Hashtag.objects.filter(pk=later.pk).update(tag="hcIdr", key="hcidr")
    Identity.objects.filter(hashtag=later).update(
        tag="hcIdr", key="hcidr", skeleton=tag_skeleton("hcIdr"), key_skeleton=key_skeleton("hcIdr")
    )
    IdentitySkeleton.objects.all().delete()
    hold_skeletons(django_apps, connection.schema_editor())
    assert set(older.identities.get().held_skeletons.values_list("value", flat=True)) == {
        tag_skeleton("HCLDR"),
        key_skeleton("HCLDR"),
    }
    assert not later.identities.get().held_skeletons.exists()
    assert later.identities.get().skeleton is None
    assert Hashtag.objects.count() == 2


def test_the_near_duplicate_box_lists_the_lookalike_on_both_entries(stored_pair, curator_client):
    older, later = stored_pair
    page = curator_client.get(f"/admin/hashtags/hashtag/{later.pk}/change/").content.decode()
    assert f'/admin/hashtags/hashtag/{older.pk}/change/">#PACE</a> (Approved; looks the same)' in (
        page
    )
    page = curator_client.get(f"/admin/hashtags/hashtag/{older.pk}/change/").content.decode()
    assert f">#{CYRILLIC_PACE}</a> (Pending review; looks the same)" in page
    assert "None found." not in page


def test_merging_the_lookalike_into_the_original_keeps_no_lookalike_alias(stored_pair, curator):
    older, later = stored_pair
    moderation.merge(duplicate=later, into=older, curator=curator)
    later.refresh_from_db()
    assert later.status == Status.REJECTED
    assert list(Identity.objects.values_list("tag", flat=True)) == ["PACE"]


def test_approving_the_later_name_of_a_stored_pair_is_refused(stored_pair, curator):
    _older, later = stored_pair
    with pytest.raises(moderation.ModerationError) as caught:
        moderation.approve(hashtag=later, curator=curator)
    assert "looks like #PACE, which is already in the directory" in str(caught.value)
    later.refresh_from_db()
    assert later.status == Status.PENDING


# --- Races -----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_lookalikes_leave_exactly_one_entry():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL (SQLite serialises every write)")
    results = run_at_once([submit(tag) for tag in ["PACE", CYRILLIC_PACE, "pace", "расе"]])
    submitted = [r for r in results if isinstance(r, Submission)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert (len(submitted), len(refused)) == (1, 3), results
    winner = submitted[0].hashtag.tag
    for error in refused:
        (message,) = error.message_dict["tag"]
        assert message in {
            f"#{winner} has already been submitted and is awaiting review.",
            f"This looks like #{winner}, which has already been submitted and is awaiting review.",
        }
    assert Hashtag.objects.count() == 1 and Identity.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_crosswise_lookalikes_leave_exactly_one_entry():
    """'hcIdr' (capital I) and 'HCLDR' share a skeleton only crosswise (the one as
    written, the other's key): two racing submissions still give one entry."""
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL (SQLite serialises every write)")
    for _ in range(3):
        Submission.objects.all().delete()
        Hashtag.objects.all().delete()
        results = run_at_once([submit(tag) for tag in ["hcIdr", "HCLDR"]])
        submitted = [r for r in results if isinstance(r, Submission)]
        (refused,) = [r for r in results if isinstance(r, ValidationError)]
        assert len(submitted) == 1, results
        assert refused.message_dict["tag"][0].startswith("This looks like #")
        assert Hashtag.objects.count() == 1
