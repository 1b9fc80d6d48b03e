"""Input that shows one thing and is another is refused, on its field, through the form
and the API alike: a web address with credentials before its host, a bidirectional
control in a description, and a host handle in another script beside one it imitates."""

import pytest
from django.core.exceptions import ValidationError

from hashtags import entries
from hashtags.models import Category, Hashtag, Moderator, Submission
from tests.submission_helpers import proposal, submission_data

pytestmark = pytest.mark.django_db
URL = "/api/v1/submissions/"
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE


@pytest.fixture
def critical_care(make_category):
    return make_category("critical-care", name="Critical care")


# --- Credentials in a web address -------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    ["https://x.com@evil.example/", "https://user:secret@evil.example/path", "http://a@b.example"],
)
def test_a_website_with_credentials_is_refused_naming_the_real_host(api, critical_care, address):
    answer = api.post(URL, proposal(website=address), format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["website"]
    assert "without a user name or password" in answer.json()["website"][0]
    assert not Submission.objects.exists()


def test_a_host_profile_with_credentials_is_refused_on_its_field(api, critical_care):
    hosts = [{"handle": "picu_doc", "profile_url": "https://x.com@evil.example/picu_doc"}]
    answer = api.post(URL, proposal(moderators=hosts), format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["moderators[0].profile_url"]


def test_the_form_refuses_a_website_with_credentials_on_its_field(submitter):
    page = submitter(submission_data(website="https://x.com@evil.example/"))
    assert page.status_code == 400
    assert 'id="id_website_error"' in page.content.decode()
    assert not Hashtag.objects.exists()


@pytest.mark.parametrize("address", ["http://[::1", "https://a@[b/", "https://@/"])
def test_a_broken_address_is_a_400_not_a_500(api, critical_care, address):
    answer = api.post(URL, proposal(website=address), format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["website"]


def test_an_at_sign_in_the_path_or_query_is_still_an_address(api, critical_care):
    answer = api.post(
        URL, proposal(website="https://pedsicu.example.org/@team?a=b@c"), format="json"
    )
    assert answer.status_code == 201, answer.content


# --- Bidirectional controls -------------------------------------------------------------


def test_a_right_to_left_override_in_a_description_is_refused_and_named(api, critical_care):
    answer = api.post(
        URL, proposal(description=f"A chat for clinicians {RLO}gnp.exe"), format="json"
    )
    assert answer.status_code == 400
    assert list(answer.json()) == ["description"]
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in answer.json()["description"][0]
    assert not Submission.objects.exists()


def test_the_form_refuses_a_bidi_control_in_the_description(submitter):
    page = submitter(submission_data(description="Patient safety \u2067chat\u2069 weekly."))
    assert page.status_code == 400
    assert 'id="id_description_error"' in page.content.decode()


def test_right_to_left_text_itself_is_welcome(api, critical_care):
    description = "\u05e6'\u05d0\u05d8 \u05e9\u05d1\u05d5\u05e2\u05d9 and a weekly chat"
    answer = api.post(URL, proposal(description=description), format="json")
    assert answer.status_code == 201, answer.content


def test_a_curators_edit_refuses_a_bidi_control_too(make_hashtag, curator):
    entry = make_hashtag("HCLDR", description="Kept.")
    with pytest.raises(ValidationError) as caught:
        entries.update(hashtag=entry, curator=curator, description=f"x{RLO}y")
    assert list(caught.value.message_dict) == ["description"]
    entry.refresh_from_db()
    assert entry.description == "Kept."


def test_a_category_description_refuses_a_bidi_control_too():
    category = Category(slug="oncology", name="Oncology", description=f"Cancer care {RLO}fdp.")
    with pytest.raises(ValidationError) as caught:
        category.full_clean()
    assert list(caught.value.message_dict) == ["description"]


# --- Look-alike host handles ------------------------------------------------------------


def test_a_handle_in_another_script_beside_the_one_it_imitates_is_refused(api, critical_care):
    hosts = [{"handle": "Colin_Hung"}, {"handle": "\u0421\u043eIin_Hung"}]  # Cyrillic С, о
    answer = api.post(URL, proposal(moderators=hosts), format="json")
    assert answer.status_code == 400
    assert list(answer.json()) == ["moderators[1].handle"]
    assert not Moderator.objects.exists()


def test_a_whole_script_lookalike_handle_beside_its_model_is_refused(api, critical_care):
    # All Cyrillic: no mix within the handle, but it reads as the one above it.
    hosts = [{"handle": "cope"}, {"handle": "\u0441\u043e\u0440\u0435"}]
    answer = api.post(URL, proposal(moderators=hosts), format="json")
    assert answer.status_code == 400
    assert "looks like @cope" in answer.json()["moderators[1].handle"][0]


def test_a_handle_mixing_scripts_is_refused_on_its_own(api, critical_care):
    answer = api.post(URL, proposal(moderators=[{"handle": "C\u043elin_Hung"}]), format="json")
    assert answer.status_code == 400
    assert "cannot mix letters of different scripts" in answer.json()["moderators[0].handle"][0]


def test_the_same_handle_on_two_platforms_is_two_accounts(api, critical_care):
    hosts = [{"handle": "picu_doc", "platform": "x"}, {"handle": "picu_doc", "platform": "bluesky"}]
    assert api.post(URL, proposal(moderators=hosts), format="json").status_code == 201


def test_the_form_puts_a_lookalike_handle_on_its_field(submitter):
    data = submission_data(**{"moderators-1-handle": "\u0441\u043e\u0440\u0435"})
    data["moderators-0-handle"] = "cope"
    page = submitter(data)
    assert page.status_code == 400
    text = page.content.decode()
    assert 'id="id_moderators-1-handle_error"' in text and "looks like @cope" in text
    assert not Hashtag.objects.exists()
