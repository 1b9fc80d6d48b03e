"""An entry's limits are declared once (hashtags.models) and hold at every way in: the
API, the submission form, the admin's write path and the import."""

import pytest

from hashtags import entries
from hashtags.models import CHAT_MINUTES, MAX_CHATS, MAX_HOSTS
from tests.support import token_client

pytestmark = pytest.mark.django_db


def chat(**fields):
    return {"weekdays": ["TU"], "start_time": "20:00", "timezone": "UTC", **fields}


def test_the_api_refuses_one_chat_and_one_host_too_many(curator):
    client = token_client(curator)
    base = {"tag": "TooMany", "name": "Too many", "kind": "chat"}
    answer = client.post(
        "/api/v1/hashtags/", {**base, "chats": [chat()] * (MAX_CHATS + 1)}, format="json"
    )
    assert answer.status_code == 400 and "chats" in answer.json()
    hosts = [{"handle": f"host{n}", "platform": "x"} for n in range(MAX_HOSTS + 1)]
    answer = client.post("/api/v1/hashtags/", {**base, "moderators": hosts}, format="json")
    assert answer.status_code == 400 and "moderators" in answer.json()


def test_the_write_path_refuses_them_too_with_the_same_limit(curator):
    with pytest.raises(entries.ValidationError) as refused:
        entries.create(
            curator=curator,
            tag="TooMany",
            name="Too many",
            kind="chat",
            chats=[chat(start_time=f"{n:02d}:00") for n in range(MAX_CHATS + 1)],
        )
    assert refused.value.message_dict["chats"] == [
        f"At most {MAX_CHATS} chats (got {MAX_CHATS + 1})."
    ]


@pytest.mark.parametrize("minutes", [CHAT_MINUTES[0] - 1, CHAT_MINUTES[1] + 1])
def test_a_chat_too_short_or_too_long_is_refused_naming_the_field(curator, client, minutes):
    answer = token_client(curator).post(
        "/api/v1/hashtags/",
        {
            "tag": "Timed",
            "name": "Timed",
            "kind": "chat",
            "chats": [chat(duration_minutes=minutes)],
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "chats[0].duration_minutes" in answer.json()
