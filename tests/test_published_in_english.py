"""An entry's stored documents are English whichever page's request publishes them: the
API and the export keep one language, and each page words the stored values in its own."""

from django.utils import translation

from hashtags import published


def test_an_entry_published_during_a_spanish_request_is_english_in_the_api(
    api, make_hashtag, make_chat
):
    hashtag = make_hashtag("HCLDR")
    make_chat(hashtag)  # Tuesdays at 20:30 in New York
    with translation.override("es"):
        published.publish([hashtag.pk])

    (chat,) = api.get("/api/v1/hashtags/HCLDR/").json()["chats"]

    assert "Tuesday" in chat["schedule"]
    assert "martes" not in chat["schedule"]
    assert translation.get_language() != "es"  # the reader's language was given back


def test_the_spanish_entry_page_words_the_same_chat_in_spanish(client, make_hashtag, make_chat):
    make_chat(make_hashtag("HCLDR"))

    page = client.get("/es/hashtags/HCLDR/").content.decode()

    assert "martes" in page
