"""The admin is one more way into hashtags.entries: an entry's page (its categories,
platforms, chats, hosts and aliases) and a chat's page (its breaks) are judged with the
same checks and messages as the API and written once, with the curator in the history
and the public changes feed told."""

import json
from datetime import date, time
from html import escape

import pytest

from hashtags import entries
from hashtags.models import Change, Chat, Hashtag, HashtagModerator, Moderator

pytestmark = pytest.mark.django_db


def form_data(page) -> dict:
    """What a browser posts back from an admin change page left as it is: the main form's
    fields and every inline's management form and rows."""
    data: dict = {}

    def put(form) -> None:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            elif value is not None:
                data[key] = str(value)

    put(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for form in formset.forms:
            put(form)
    return data


def rows(data: dict, prefix: str) -> int:
    return int(data[f"{prefix}-TOTAL_FORMS"])


def add_row(data: dict, prefix: str, **values) -> None:
    index = rows(data, prefix)
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in values.items():
        data[f"{prefix}-{index}-{name}"] = value


@pytest.fixture
def hcldr(make_hashtag, curator):
    entry = make_hashtag("HCLDR", name="Healthcare leadership", platforms=["x"])
    return entries.update(
        hashtag=entry,
        curator=curator,
        chats=[
            {
                "weekdays": "TU",
                "start_time": time(20, 30),
                "timezone": "America/New_York",
                "starts_on": date(2024, 1, 2),
            }
        ],
        moderators=[{"handle": "colin_hung", "display_name": "Colin Hung", "platform": "x"}],
        aliases=["HCLeaders"],
    )


def change_page(curator_client, entry: Hashtag):
    url = f"/admin/hashtags/hashtag/{entry.pk}/change/"
    page = curator_client.get(url)
    assert page.status_code == 200
    return url, form_data(page)


def test_a_host_listed_twice_is_refused_with_the_apis_message(hcldr, curator_client, curator_api):
    api = curator_api.patch(
        f"/api/v1/hashtags/{hcldr.tag}/",
        {
            "moderators": [
                {"handle": "colin_hung", "platform": "x"},
                {"handle": "colin_hung", "platform": "x"},
            ]
        },
        format="json",
    )
    assert api.status_code == 400
    (message,) = api.json()["moderators[1]"]

    url, data = change_page(curator_client, hcldr)
    account = Moderator.objects.get(handle="colin_hung")
    add_row(data, "hosts", moderator=str(account.pk), role="host")
    answer = curator_client.post(url, data)
    assert answer.status_code == 200  # the page again, with the error
    assert escape(message) in answer.content.decode()
    assert "Please correct the duplicate data" not in answer.content.decode()
    assert HashtagModerator.objects.filter(hashtag=hcldr).count() == 1


def test_a_look_alike_alias_is_refused_with_the_write_paths_message(
    hcldr, make_hashtag, curator, curator_client
):
    make_hashtag("MedEd")
    lookalike = "M\u0435dEd"  # a Cyrillic "е"
    with pytest.raises(entries.ValidationError) as refused:
        entries.update(hashtag=hcldr, curator=curator, aliases=["HCLeaders", lookalike])
    (message,) = refused.value.message_dict["aliases"]

    url, data = change_page(curator_client, hcldr)
    add_row(data, "identities", tag=lookalike)
    answer = curator_client.post(url, data)
    assert answer.status_code == 200
    assert escape(message) in answer.content.decode()
    assert sorted(hcldr.identities.values_list("tag", flat=True)) == ["HCLDR", "HCLeaders"]


def test_an_eleventh_chat_is_refused_on_the_entrys_page(hcldr, curator, curator_client):
    chat = {"weekdays": "TU", "start_time": time(9), "timezone": "UTC"}
    entries.update(
        hashtag=hcldr,
        curator=curator,
        chats=[{**chat, "start_time": time(hour)} for hour in range(8, 18)],
    )
    url, data = change_page(curator_client, hcldr)
    add_row(
        data,
        "chats",
        frequency="weekly",
        weekdays=["WE"],
        interval="1",
        start_time="19:00",
        duration_minutes="60",
        timezone="UTC",
    )
    answer = curator_client.post(url, data)
    assert answer.status_code == 200
    assert "At most 10 chats (got 11)." in answer.content.decode()
    assert hcldr.chats.count() == 10


def test_an_edit_on_the_entrys_page_is_one_write_with_its_changes_recorded(
    hcldr, curator, curator_client
):
    before = Change.objects.count()
    chat = hcldr.chats.get()
    url, data = change_page(curator_client, hcldr)
    data["chats-0-start_time"] = "21:00:00"
    data["identities-0-DELETE"] = "on"
    answer = curator_client.post(url, data)
    assert answer.status_code == 302, answer.content.decode()[:3000]

    chat.refresh_from_db()
    assert chat.start_time == time(21)  # the same row: its calendar UID holds
    assert list(hcldr.identities.values_list("tag", flat=True)) == ["HCLDR"]
    latest = chat.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (curator, "Changed in the admin")
    # The public record moved with it, in one change naming both lists.
    (recorded,) = Change.objects.order_by("sequence")[before:]
    assert recorded.tag == "HCLDR"
    assert {"chats", "aliases"} <= set(recorded.fields)
    record = json.loads(recorded.record)
    assert record["chats"][0]["start_time"] == "21:00:00"
    assert record["aliases"] == []


def test_a_break_added_on_the_chats_page_reaches_the_public_record(hcldr, curator, curator_client):
    chat = hcldr.chats.get()
    url = f"/admin/hashtags/chat/{chat.pk}/change/"
    data = form_data(curator_client.get(url))
    add_row(data, "pauses", starts_on="2026-07-01", ends_on="2026-08-31", note="Summer")
    answer = curator_client.post(url, data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert list(chat.pauses.values_list("note", flat=True)) == ["Summer"]
    record = json.loads(Change.objects.filter(tag="HCLDR").latest("sequence").record)
    assert record["chats"][0]["pauses"] == [
        {"from": "2026-07-01", "until": "2026-08-31", "note": "Summer"}
    ]


def test_host_links_and_chats_cannot_be_added_past_their_entry(hcldr, curator_client):
    link = HashtagModerator.objects.get(hashtag=hcldr)
    assert curator_client.get("/admin/hashtags/chat/add/").status_code == 403
    assert curator_client.get("/admin/hashtags/hashtagmoderator/add/").status_code == 403
    page = curator_client.post(
        f"/admin/hashtags/hashtagmoderator/{link.pk}/delete/", {"post": "yes"}
    )
    assert page.status_code == 403
    assert Chat.objects.filter(hashtag=hcldr).exists()
    assert HashtagModerator.objects.filter(pk=link.pk).exists()
