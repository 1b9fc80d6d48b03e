"""Hashtag syntax and identity: the one place that decides what a hashtag is.

Every entry point (the submission form, the API, the admin, the importer) and the
models call `clean_tag()` to turn raw input into the display form, and `tag_key()` to
get the identity the database's unique index is built on.

The rules:
- one leading '#' is stripped (after NFKC, so the full-width '＃' counts too);
- the text is NFKC-normalised, so compatibility forms ('ＨＣＬＤＲ') become plain ones;
- 1 to 100 characters, each a Unicode letter, a decimal digit, an underscore, or a
  combining mark following one of those (scripts such as Devanagari and Thai need
  their vowel signs; a hashtag on the platforms keeps them too);
- at least one letter, so '2024' is not a hashtag;
- identity is the casefolded NFKC form: '#hcldr', '#HCLDR' and '＃ＨＣＬＤＲ' are one.
"""

import unicodedata

from django.core.exceptions import ValidationError

MAX_TAG_LENGTH = 100
# A casefolded key can be longer than the tag ('ß' → 'ss', 'ﬁ' is already 'fi' after NFKC);
# three characters per character is the longest expansion Unicode's full case folding makes.
MAX_KEY_LENGTH = MAX_TAG_LENGTH * 3

# Bidirectional controls can make a tag display as something else ("Trojan Source").
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
LETTER_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo"})


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    return f"{code} {name}" if name else code


def _is_emoji(char: str) -> bool:
    # Emoji are "Symbol, other" (So) and mostly live in the pictographic planes;
    # variation selectors and skin-tone modifiers only ever travel with them.
    cp = ord(char)
    return (
        unicodedata.category(char) == "So"
        or 0x1F000 <= cp <= 0x1FAFF
        or 0xFE00 <= cp <= 0xFE0F
        or 0x1F3FB <= cp <= 0x1F3FF
    )


def _refusal(char: str, tag: str) -> ValidationError:
    category = unicodedata.category(char)
    if char in BIDI_CONTROLS:
        return ValidationError(
            "A hashtag cannot contain bidirectional control characters (found %(char)s); "
            "they make text display differently from what it is.",
            code="bidi_control",
            params={"char": _describe(char)},
        )
    if category == "Cf" or char in "\u200b\u2060\ufeff":
        return ValidationError(
            "A hashtag cannot contain invisible characters (found %(char)s).",
            code="invisible",
            params={"char": _describe(char)},
        )
    if category.startswith("Z") or char.isspace():
        return ValidationError(
            "A hashtag cannot contain spaces: use one word, e.g. #%(example)s.",
            code="space",
            params={"example": "".join(tag.split()) or "HCLDR"},
        )
    if _is_emoji(char):
        return ValidationError(
            "A hashtag cannot contain emoji (found %(char)s).",
            code="emoji",
            params={"char": char},
        )
    if category.startswith("C"):
        return ValidationError(
            "A hashtag cannot contain control characters (found %(char)s).",
            code="control",
            params={"char": _describe(char)},
        )
    if category.startswith("M"):
        return ValidationError(
            "A hashtag cannot start with a combining mark (found %(char)s).",
            code="leading_mark",
            params={"char": _describe(char)},
        )
    return ValidationError(
        "A hashtag can only contain letters, digits and underscores; %(char)s is not allowed.",
        code="invalid_character",
        params={"char": f"'{char}'"},
    )


def clean_tag(raw: str) -> str:
    """Return the display form of a hashtag, or raise ValidationError saying what is wrong."""
    if not isinstance(raw, str):
        raise ValidationError("Enter a hashtag as text.", code="invalid")
    text = unicodedata.normalize("NFKC", raw)
    if text.startswith("#"):
        text = text[1:]
    if not text:
        raise ValidationError("Enter a hashtag, e.g. #HCLDR.", code="required")
    if len(text) > MAX_TAG_LENGTH:
        raise ValidationError(
            "A hashtag can be at most %(max)d characters long (this one has %(length)d).",
            code="max_length",
            params={"max": MAX_TAG_LENGTH, "length": len(text)},
        )
    has_letter = False
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category in LETTER_CATEGORIES:
            has_letter = True
        elif (category == "Nd" or char == "_") or (
            category in {"Mn", "Mc"} and index > 0 and not _is_emoji(char)
        ):
            pass
        else:
            raise _refusal(char, text)
    if not has_letter:
        raise ValidationError(
            "A hashtag needs at least one letter; #%(tag)s has none.",
            code="no_letter",
            params={"tag": text},
        )
    return text


def tag_key(tag: str) -> str:
    """The identity of a hashtag: casefolded NFKC, the same for every spelling of one tag.

    Accepts raw input too ('#HCLDR', '＃ｈｃｌｄｒ'); it does not validate.
    """
    text = unicodedata.normalize("NFKC", tag)
    if text.startswith("#"):
        text = text[1:]
    # Casefolding can produce text that is no longer NFKC, so normalise again (NFKC_Casefold).
    return unicodedata.normalize("NFKC", text.casefold())
