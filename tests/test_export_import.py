"""Open data: export_registry and import_registry round-trip the public registry exactly,
in JSON and CSV, and the import is all or nothing."""

import csv
import io
import json
from datetime import UTC, date, datetime, time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from hashtags import entries
from hashtags.curation import moderation
from hashtags.models import (
    Alias,
    Category,
    Chat,
    Hashtag,
    HashtagModerator,
    Moderator,
    Report,
    Status,
    Submission,
)
from hashtags.opendata import registry_io
from hashtags.published import publish, publish_all

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://example.invalid","click")'


def _moderator(handle: str, display_name: str, platform: str = "x") -> Moderator:
    moderator = Moderator(
        handle=handle,
        display_name=display_name,
        platform_id=platform,
        profile_url=f"https://example.org/{handle}",
    )
    moderator.full_clean()
    moderator.save()
    return moderator


@pytest.fixture
def registry(make_category, make_hashtag, make_chat, curator):
    """A small registry with everything that could trip a round trip up: Unicode and
    emoji, case variants, several time zones, every kind of schedule, shared moderators,
    aliases, a retired entry, formula-like text, and private data that must not leak."""
    diseases = make_category("diseases", name="Diseases & conditions", description="Top")
    cancer = make_category("cancer", parent=diseases, name="Cancer")
    breast = make_category("breast-cancer", parent=cancer, name="Breast cancer")
    sante = make_category("sante", name="Santé publique 🩺", description="Ça marche")
    make_category("unused-category", name="Nobody uses me")

    colin = _moderator("Colin_Hung", "Colin Hung")
    yamada = _moderator("yamada", "山田 太郎", platform="mastodon")

    hcldr = make_hashtag(
        "HCLDR",
        name="Healthcare Leaders",
        kind="chat",
        platforms=["x", "bluesky"],
        categories=[sante],
        website="https://hcldr.example.org/",
        last_verified=datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC),
    )
    make_chat(hcldr, weekdays="TU", start_time=time(20, 30), timezone_id="America/New_York")
    Alias(hashtag=hcldr, tag="hcldrChat").save()
    HashtagModerator.objects.create(hashtag=hcldr, moderator=colin, role="founder")
    HashtagModerator.objects.create(hashtag=hcldr, moderator=yamada, role="moderator")

    sante_tag = make_hashtag(
        "Santé",
        name="Santé publique",
        kind="community",
        language="fr",
        description="Parlons santé 💬🩺\r\nDeuxième ligne, « guillemets », 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
        categories=[sante, breast],
    )
    make_chat(
        sante_tag,
        title="Mensuel",
        frequency="monthly",
        weekdays="TH",
        month_weeks="1,-1",
        start_time=time(12, 0),
        timezone_id="Europe/Paris",
    )
    make_chat(
        sante_tag,
        title="Toutes les deux semaines",
        weekdays="MO,WE",
        interval=2,
        starts_on=date(2025, 1, 6),
        ends_on=date(2026, 12, 31),
        start_time=time(12, 0),
        timezone_id="Asia/Kolkata",
        duration_minutes=45,
    )
    make_chat(
        sante_tag,
        weekdays="SU",
        start_time=time(7, 15),
        timezone_id="Australia/Lord_Howe",
        is_active=False,
        note="Paused",
    )
    HashtagModerator.objects.create(hashtag=sante_tag, moderator=yamada, role="host")

    make_hashtag("がん患者", name="がん患者会", kind="disease", categories=[cancer])
    strasse = make_hashtag("Straße", name="Case folding: ß is ss", kind="other")
    formula = make_hashtag(
        "FormulaTest",
        name=FORMULA,
        description="+1 for this, -1 for that",
        place="@home",
        status_reason="",
    )
    make_chat(formula, weekdays="FR", start_time=time(9, 0), timezone_id="Asia/Tokyo")
    himss = make_hashtag(
        "HIMSS17",
        kind="conference",
        status=Status.RETIRED,
        status_reason="'=Held in 2017",
        start_date=date(2017, 2, 19),
        end_date=date(2017, 2, 23),
        place="Orlando, Florida",
    )

    # A chat's life (an end, breaks, a cancelled date), a source, hosts' years, and a
    # retired entry naming its successor, which comes after it in the file.
    strasse.source = "https://example.org/a-life"
    strasse.save()
    entries.update(
        hashtag=strasse,
        curator=curator,
        chats=[
            {
                "weekdays": "TU",
                "start_time": time(20, 30),
                "timezone": "America/New_York",
                "starts_on": date(2012, 8, 7),
                "ends_on": date(2023, 10, 31),
                "cancelled_dates": [date(2014, 12, 30)],
                "pauses": [
                    {"from": date(2020, 7, 1), "until": date(2020, 8, 31), "note": "Été, =pause"},
                    {"from": date(2023, 1, 1), "until": None, "note": ""},
                ],
            }
        ],
        moderators=[
            {
                "handle": "Colin_Hung",
                "display_name": "Colin Hung",
                "profile_url": "https://example.org/Colin_Hung",
                "since": 2012,
            },
            {"handle": "lisa", "display_name": "Lisa Fields", "since": 2012, "until": 2014},
        ],
    )
    himss.replaced_by = strasse
    himss.save()

    # Private data: a submission's contact and note, a pending and a rejected entry.
    submission = moderation.submit_hashtag(
        tag="BCSM",
        name="Breast Cancer Social Media",
        kind="disease",
        submitter_name="Private Submitter",
        submitter_email="private.submitter@example.org",
        note="secret note to curators",
        categories=[breast],
        chats=[{"weekdays": ["MO"], "start_time": "21:00", "timezone": "America/New_York"}],
        moderators=[{"handle": "@Colin_Hung", "platform": "x", "role": "host"}],
    )
    moderation.approve(hashtag=submission.hashtag, curator=curator)
    make_hashtag("StillPending", status=Status.PENDING)
    make_hashtag("Refused", status=Status.REJECTED, status_reason="Not health related")
    Report.objects.create(hashtag=hcldr, reason="outdated", comment="private report comment")
    # Much of the above is written past the write path (hashtags.entries): published here,
    # as every such writer must.
    publish_all()


def export(tmp_path, fmt: str = "json", *, include_retired: bool = True) -> bytes:
    path = tmp_path / f"export-{len(list(tmp_path.iterdir()))}.{fmt}"
    options = {"include_retired": True} if include_retired else {}
    call_command("export_registry", format=fmt, output=str(path), **options)
    return path.read_bytes()


def run_import(path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_registry", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def wipe_registry() -> None:
    """An empty registry: Platform and TimeZone rows (from data migrations) stay."""
    Report.objects.all().delete()
    Submission.objects.all().delete()
    gone = list(Hashtag.objects.values_list("pk", flat=True))
    Hashtag.objects.all().delete()
    publish(gone)  # a delete past the write path takes its documents and counts along
    Moderator.objects.all().delete()
    for category in sorted(Category.objects.all(), key=lambda c: -c.depth):
        category.delete()


def history_rows() -> int:
    return sum(
        model.history.count()
        for model in (Hashtag, Category, Chat, Moderator, HashtagModerator, Alias)
    )


def write(tmp_path, name: str, content: bytes | str):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_import_into_an_empty_registry_and_export_again_gives_identical_bytes(
    registry, tmp_path, fmt
):
    first = export(tmp_path, fmt)
    wipe_registry()
    assert Hashtag.objects.count() == Category.objects.count() == 0

    report = run_import(write(tmp_path, f"in.{fmt}", first), "--create-categories")

    assert "7 rows: 7 created, 0 updated, 0 unchanged, 0 with errors." in report
    assert export(tmp_path, fmt) == first
    assert Hashtag.objects.get(key="strasse").tag == "Straße"
    assert set(Hashtag.objects.values_list("status", flat=True)) == {"approved", "retired"}


def test_the_json_export_is_a_versioned_document_with_its_licence_and_category_tree(
    registry, tmp_path
):
    document = json.loads(export(tmp_path, "json"))
    assert (document["format"], document["version"]) == ("healthcare-hashtag-directory", 1)
    by_tag = {entry["tag"]: entry for entry in document["hashtags"]}
    assert by_tag["HIMSS17"]["replaced_by"] == "Straße"
    lived = by_tag["Straße"]
    assert lived["source"] == "https://example.org/a-life"
    assert lived["chats"][0]["cancelled_dates"] == ["2014-12-30"]
    assert lived["chats"][0]["pauses"][1] == {"from": "2023-01-01", "until": None, "note": ""}
    assert [(h["since"], h["until"]) for h in lived["moderators"]] == [(2012, None), (2012, 2014)]
    assert document["licence"]["id"] == "CC0-1.0"
    assert document["updated"] == max(entry["updated"] for entry in document["hashtags"])
    assert [c["slug"] for c in document["categories"]][:3] == [
        "diseases",
        "cancer",
        "breast-cancer",
    ]
    assert {"slug": "cancer", "name": "Cancer", "parent": "diseases", "description": ""} in (
        document["categories"]
    )
    tags = [entry["tag"] for entry in document["hashtags"]]
    # Ordered by identity (casefolded), code point order on both databases.
    assert tags == ["BCSM", "FormulaTest", "HCLDR", "HIMSS17", "Santé", "Straße", "がん患者"]
    sante = document["hashtags"][4]
    assert sante["description"].startswith("Parlons santé 💬🩺\r\n")
    assert [(c["timezone"], c["weekdays"], c["month_weeks"]) for c in sante["chats"]] == [
        ("Australia/Lord_Howe", ["SU"], []),
        ("Europe/Paris", ["TH"], [1, -1]),
        ("Asia/Kolkata", ["MO", "WE"], []),
    ]
    assert sante["chats"][0]["is_active"] is False
    hcldr = document["hashtags"][2]
    assert hcldr["aliases"] == ["hcldrChat"]
    assert hcldr["platforms"] == ["bluesky", "x"]
    assert hcldr["last_verified"] == "2025-03-01T09:30:15.123456Z"
    assert hcldr["moderators"] == [
        {
            "handle": "Colin_Hung",
            "display_name": "Colin Hung",
            "platform": "x",
            "profile_url": "https://example.org/Colin_Hung",
            "role": "founder",
            "since": None,
            "until": None,
        },
        {
            "handle": "yamada",
            "display_name": "山田 太郎",
            "platform": "mastodon",
            "profile_url": "https://example.org/yamada",
            "role": "moderator",
            "since": None,
            "until": None,
        },
    ]


def test_private_fields_and_non_public_entries_are_never_exported(registry, tmp_path, client):
    outputs = [export(tmp_path, fmt).decode() for fmt in ("json", "csv")]
    outputs += [
        b"".join(client.get(f"/api/v1/export.{fmt}?include_retired=1").streaming_content).decode()
        for fmt in ("json", "csv")
    ]
    for output in outputs:
        for private in (
            "Private Submitter",
            "private.submitter@example.org",
            "secret note",
            "private report comment",
            "curator",
            "StillPending",
            "Refused",
            "Not health related",
        ):
            assert private not in output


def test_retired_entries_are_exported_only_when_asked(registry, tmp_path):
    assert b"HIMSS17" not in export(tmp_path, "json", include_retired=False)
    assert b"HIMSS17" not in export(tmp_path, "csv", include_retired=False)
    assert b"HIMSS17" in export(tmp_path, "csv", include_retired=True)


def test_a_formula_like_csv_cell_is_neutralised_and_restored_on_import(registry, tmp_path):
    exported = export(tmp_path, "csv")
    rows = {row["tag"]: row for row in csv.DictReader(io.StringIO(exported.decode()))}
    assert rows["FormulaTest"]["name"] == "'" + FORMULA
    assert rows["FormulaTest"]["description"] == "'+1 for this, -1 for that"
    assert rows["FormulaTest"]["place"] == "'@home"
    # A value that already starts with a quote and a trigger keeps its own quote.
    assert rows["HIMSS17"]["status_reason"] == "''=Held in 2017"
    wipe_registry()

    run_import(write(tmp_path, "in.csv", exported), "--create-categories")

    entry = Hashtag.objects.get(tag="FormulaTest")
    assert (entry.name, entry.description, entry.place) == (
        FORMULA,
        "+1 for this, -1 for that",
        "@home",
    )
    assert Hashtag.objects.get(tag="HIMSS17").status_reason == "'=Held in 2017"


@given(st.text(max_size=6))
def test_neutralising_a_cell_never_leaves_a_formula_and_is_undone_exactly(text):
    cell = registry_io.neutralise(text)
    assert cell[:1] not in {"=", "+", "-", "@", "\t", "\r"}
    assert registry_io.unneutralise(cell) == text


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_reimporting_the_same_file_reports_every_row_unchanged_and_writes_no_history(
    registry, tmp_path, fmt
):
    path = write(tmp_path, f"same.{fmt}", export(tmp_path, fmt))
    before = history_rows()

    report = run_import(path)

    assert "7 rows: 0 created, 0 updated, 7 unchanged, 0 with errors." in report
    # JSON rows count entries; CSV rows count as a spreadsheet does (the header is row 1).
    assert ("row 1 #BCSM: unchanged" if fmt == "json" else "row 2 #BCSM: unchanged") in report
    assert history_rows() == before


def test_a_changed_row_is_updated_with_its_history_and_case_is_part_of_the_data(registry, tmp_path):
    document = json.loads(export(tmp_path, "json"))
    hcldr = document["hashtags"][2]
    hcldr["tag"] = "hcldr"
    hcldr["chats"][0]["start_time"] = "21:00"
    hcldr["chats"][0]["timezone"] = "Europe/London"
    hcldr["aliases"].append("Healthcare_Leaders")

    report = run_import(write(tmp_path, "changed.json", json.dumps(document)))

    assert "row 3 #hcldr: updated: tag, aliases, chats" in report
    assert "6 unchanged" in report
    entry = Hashtag.objects.get(key="hcldr")
    assert entry.tag == "hcldr"
    chat = entry.chats.get()
    assert (chat.start_time, chat.timezone_id) == (time(21, 0), "Europe/London")
    assert entry.history.first().history_change_reason == "import_registry"
    assert chat.history.first().history_change_reason == "import_registry"
    assert Hashtag.objects.resolve("HCLDRCHAT") == entry
    alias = entry.identities.get(tag="Healthcare_Leaders", is_alias=True)
    assert alias.history.first().history_change_reason == "import_registry"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_one_bad_row_among_many_writes_nothing_and_names_the_row(registry, tmp_path, fmt):
    exported = export(tmp_path, fmt)
    wipe_registry()
    if fmt == "json":
        document = json.loads(exported)
        document["hashtags"][4]["chats"][1]["timezone"] = "Mars/Olympus_Mons"
        content, bad_row = json.dumps(document, ensure_ascii=False), "row 5 #Santé"
    else:
        rows = list(csv.reader(io.StringIO(exported.decode())))
        rows[5][rows[0].index("kind")] = "gossip"  # row 6 of the sheet: the header is row 1
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        content, bad_row = buffer.getvalue(), "row 6 #Santé"

    with pytest.raises(CommandError) as refused:
        run_import(write(tmp_path, f"bad.{fmt}", content), "--create-categories")

    assert "Nothing was written" in str(refused.value) and bad_row.split(" #")[0] in str(
        refused.value
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_registry",
            str(tmp_path / f"bad.{fmt}"),
            "--create-categories",
            stdout=out,
            stderr=io.StringIO(),
        )
    line = next(line for line in out.getvalue().splitlines() if line.startswith(bad_row))
    assert "error" in line
    assert ("Mars/Olympus_Mons" in line) if fmt == "json" else ("kind" in line)
    assert Hashtag.objects.count() == Category.objects.count() == Moderator.objects.count() == 0


def test_dry_run_reports_what_would_happen_and_writes_nothing(registry, tmp_path):
    path = write(tmp_path, "all.json", export(tmp_path, "json"))
    wipe_registry()
    before = history_rows()

    report = run_import(path, "--dry-run", "--create-categories")

    assert "7 created" in report and "Dry run: nothing was written." in report
    assert Hashtag.objects.count() == Category.objects.count() == 0
    assert history_rows() == before


def test_a_missing_category_is_an_error_unless_categories_may_be_created(registry, tmp_path):
    path = write(tmp_path, "all.csv", export(tmp_path, "csv"))
    Category.objects.filter(slug="sante").update(slug="renamed")

    with pytest.raises(CommandError):
        run_import(path)
    assert not Category.objects.filter(slug="sante").exists()

    report = run_import(path, "--create-categories")
    assert "row 4 #HCLDR: updated: categories; new category sante" in report
    assert Category.objects.get(slug="sante").name == "Sante"


def test_a_row_for_an_alias_or_a_pending_entry_or_a_repeated_tag_is_refused(registry, tmp_path):
    content = "\r\n".join(
        [
            "tag,name,kind",
            "HCLDRCHAT,Alias,chat",
            "stillpending,P,other",
            "New,N,other",
            "NEW,N,other",
        ]
    )

    with pytest.raises(CommandError):
        run_import(write(tmp_path, "refused.csv", content))

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_registry", str(tmp_path / "refused.csv"), stdout=out)
    report = out.getvalue()
    assert "row 2 #HCLDRCHAT: error: tag: #HCLDRCHAT is another name for #HCLDR" in report
    assert "row 3 #stillpending: error: tag: #StillPending is awaiting review" in report
    assert "row 4 #New: created" in report
    assert "row 5 #NEW: error: tag: #NEW is already given in row 4." in report
    assert not Hashtag.objects.filter(key="new").exists()


def test_a_spreadsheet_row_with_only_some_columns_creates_an_approved_entry(tmp_path, db):
    sheet = (
        "tag,name,kind,status,platforms,place\r\n#MedEd,Medical Education,specialty,,x|bluesky\r\n"
    )

    report = run_import(write(tmp_path, "new.csv", sheet))

    assert "row 2 #MedEd: created" in report
    entry = Hashtag.objects.get(tag="MedEd")
    assert entry.status == Status.APPROVED and entry.approved_at is not None
    assert (entry.language, entry.place) == ("en", "")
    assert sorted(entry.platforms.values_list("code", flat=True)) == ["bluesky", "x"]


def test_one_account_given_two_display_names_in_one_file_is_an_error(tmp_path, db):
    moderators = [
        '[{"handle": "sam", "display_name": "Sam A", "platform": "x"}]',
        '[{"handle": "SAM", "display_name": "Sam B", "platform": "x"}]',
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["tag", "name", "kind", "moderators"])
    writer.writerow(["One", "One", "other", moderators[0]])
    writer.writerow(["Two", "Two", "other", moderators[1]])

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_registry", str(write(tmp_path, "m.csv", buffer.getvalue())), stdout=out
        )

    assert "row 3 #Two: error: moderators[0]: @SAM on x is given with other details in row 2" in (
        out.getvalue()
    )
    assert not Moderator.objects.exists()


def test_a_file_that_is_not_a_registry_export_is_refused_with_a_reason(tmp_path, db):
    with pytest.raises(CommandError, match="not a registry export"):
        run_import(write(tmp_path, "x.json", '{"hello": "world"}'))
    with pytest.raises(CommandError, match="Unsupported format version 2"):
        run_import(
            write(tmp_path, "v2.json", '{"format": "healthcare-hashtag-directory", "version": 2}')
        )
    with pytest.raises(CommandError, match="Unknown column"):
        run_import(write(tmp_path, "x.csv", "tag,colour\r\nA,red\r\n"))


def test_progress_is_shown_on_large_files(tmp_path, db):
    rows = "".join(f"Tag{i},Entry {i},other\r\n" for i in range(30))
    err = io.StringIO()
    call_command(
        "import_registry",
        str(write(tmp_path, "big.csv", "tag,name,kind\r\n" + rows)),
        "--dry-run",
        "--progress-every=10",
        stdout=io.StringIO(),
        stderr=err,
    )
    assert err.getvalue().splitlines() == ["… 10 rows read", "… 20 rows read", "… 30 rows read"]


def test_the_history_names_the_curator_given_to_the_import(tmp_path, curator):
    run_import(
        write(tmp_path, "one.csv", "tag,name,kind\r\nHCLDR,Leaders,chat\r\n"), "--curator=curator"
    )

    record = Hashtag.objects.get(tag="HCLDR").history.first()
    assert (record.history_user, record.history_change_reason) == (curator, "import_registry")
    with pytest.raises(CommandError, match="No active staff account named 'nobody'"):
        run_import(tmp_path / "one.csv", "--curator=nobody")


def test_a_row_is_read_with_the_api_s_input_fields_and_each_error_names_row_and_field(db):
    """One type rule per field (issue 27): a file's row gets the messages an API client
    gets for the same values, each named by its row and field."""
    from hashtags.api.serializers import ModeratorInputSerializer

    row = {
        "tag": "Typed",
        "name": 5,
        "kind": "chat",
        "platforms": "x",
        "chats": [
            {"weekdays": ["TU"], "start_time": "20:30:00", "timezone": "UTC", "interval": "2"}
        ],
        "moderators": [{"handle": "sam", "since": "2015"}],
    }
    report = registry_io.import_registry(
        registry_io.ImportFile("json", None, [registry_io.Row(3, row)]), dry_run=True
    )

    (result,) = report.errors
    assert str(result).startswith("row 3 #Typed: error: ")
    api = ModeratorInputSerializer(data={"handle": "sam", "since": "2015"})
    assert not api.is_valid()
    assert f"moderators[0].since: {api.errors['since'][0]}" in result.detail
    assert "name: Enter text (a JSON string)." in result.detail
    assert "platforms: Expected a list of items" in result.detail
    assert "chats[0].interval: Enter a whole number (a JSON number)." in result.detail


def test_lists_of_the_wrong_type_are_errors_of_their_field_not_of_the_import(db):
    row = {"tag": "Odd", "name": "Odd", "kind": "other", "aliases": 5, "chats": 5}
    report = registry_io.import_registry(
        registry_io.ImportFile("json", None, [registry_io.Row(1, row)]), dry_run=True
    )

    (result,) = report.errors
    assert "aliases: Expected a list of items" in result.detail
    assert "chats: Expected a list of items" in result.detail
