"""Hashtag syntax and identity: one validator and one normaliser for every entry point."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from hashtags.validators import MAX_TAG_LENGTH, clean_tag, tag_key


def refusal(raw: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        clean_tag(raw)
    return caught.value


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HCLDR", "HCLDR"),
        ("#HCLDR", "HCLDR"),
        ("＃ＨＣＬＤＲ", "HCLDR"),  # full-width: NFKC makes it plain
        ("WomeninHIT", "WomeninHIT"),
        ("hcsm_2009", "hcsm_2009"),
        ("HIMSS17", "HIMSS17"),
        ("Santé", "Santé"),
        ("Sante\u0301", "Santé"),  # a combining accent composes under NFKC
        ("स्वास्थ्य", "स्वास्थ्य"),  # Devanagari keeps its vowel signs (combining marks)
        ("健康", "健康"),
        ("ﬁtness", "fitness"),  # the ligature is a compatibility character
        ("x" * MAX_TAG_LENGTH, "x" * MAX_TAG_LENGTH),
    ],
)
def test_valid_tags_are_normalised_to_their_display_form(raw, expected):
    assert clean_tag(raw) == expected


def test_only_one_leading_hash_is_stripped():
    assert refusal("##HCLDR").code == "invalid_character"


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("", "required", "Enter a hashtag"),
        ("#", "required", "Enter a hashtag"),
        (
            "x" * (MAX_TAG_LENGTH + 1),
            "max_length",
            "at most 100 characters long (this one has 101)",
        ),
        ("2024", "no_letter", "at least one letter"),
        ("___", "no_letter", "at least one letter"),
        ("HC\u200bLDR", "invisible", "ZERO WIDTH SPACE"),
        ("HC\u200dLDR", "invisible", "ZERO WIDTH JOINER"),
        ("\ufeffHCLDR", "invisible", "invisible"),
        ("HCLDR\u202e", "bidi_control", "bidirectional"),
        ("\u2067HCLDR", "bidi_control", "bidirectional"),
        ("HC LDR", "space", "cannot contain spaces"),
        ("HC\u00a0LDR", "space", "cannot contain spaces"),
        ("HC\tLDR", "space", "cannot contain spaces"),
        ("health-it", "invalid_character", "'-' is not allowed"),
        ("HCLDR!", "invalid_character", "'!' is not allowed"),
        ("e.patient", "invalid_character", "'.' is not allowed"),
        ("pink🧦", "emoji", "emoji"),
        ("care❤️", "emoji", "emoji"),
        ("care\u2764", "emoji", "emoji"),
        ("\u0301abc", "leading_mark", "combining mark"),
        ("HC\x00LDR", "control", "control characters"),
    ],
)
def test_invalid_tags_are_refused_with_a_message_saying_what_is_wrong(raw, code, words):
    error = refusal(raw)
    assert error.code == code
    assert words in error.messages[0]


def test_identity_is_case_and_width_insensitive():
    assert tag_key("#hcldr") == tag_key("HCLDR") == tag_key("＃ＨＣＬＤＲ") == "hcldr"
    assert tag_key("STRASSE") == tag_key("straße")


def test_different_tags_have_different_identities():
    assert tag_key("HCLDR") != tag_key("HCLDR2")


tag_alphabet = st.characters(categories=["Lu", "Ll", "Lo", "Nd"]) | st.just("_")


@given(st.text(alphabet=tag_alphabet, min_size=1, max_size=MAX_TAG_LENGTH))
def test_clean_tag_is_idempotent_and_its_output_is_valid(raw):
    try:
        tag = clean_tag(raw)
    except ValidationError:
        return
    assert clean_tag(tag) == tag
    assert 1 <= len(tag) <= MAX_TAG_LENGTH
    assert any(unicodedata.category(c).startswith("L") for c in tag)


@given(st.text(max_size=120))
def test_any_text_is_either_a_valid_tag_or_a_validation_error(raw):
    # Never an exception of another kind, whatever the input.
    try:
        tag = clean_tag(raw)
    except ValidationError as error:
        assert error.messages and all(error.messages)
        return
    assert tag == unicodedata.normalize("NFKC", tag)
    assert all(unicodedata.category(c)[0] in "LNM" or c == "_" for c in tag), (
        f"{tag!r} slipped through"
    )


@given(st.text(alphabet=tag_alphabet, min_size=1, max_size=50))
def test_identity_ignores_case_hash_and_width(raw):
    assert tag_key(raw.upper()) == tag_key(raw.lower().upper())
    assert tag_key("#" + raw) == tag_key(raw)
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in raw)
    assert tag_key(fullwidth) == tag_key(raw)


@given(st.text(min_size=1, max_size=60))
def test_identity_is_stable_under_its_own_normalisation(raw):
    assume(not unicodedata.normalize("NFKC", raw).startswith("#"))
    key = tag_key(raw)
    assert tag_key(key) == key
