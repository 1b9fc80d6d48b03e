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
- no invisible character: Unicode's default-ignorable code points (the Hangul fillers,
  variation selectors, the combining grapheme joiner, Khmer and Mongolian invisible
  marks...) are refused, except a ZWNJ or ZWJ where a script needs one (UAX 31: after a
  virama, or a ZWNJ between Arabic-style joining letters); generic overlay marks
  (U+0334-U+0338) are refused too;
- letters of one script, or TS 39's "highly restrictive" mixes (Latin with Han, Hiragana
  and Katakana; with Han and Bopomofo; with Han and Hangul), so 'HСLDR' with a
  Cyrillic 'С' is refused on its own;
- identity is the casefolded NFKC form: '#hcldr', '#HCLDR' and '＃ＨＣＬＤＲ' are one.

Look-alikes: `tag_skeleton()` and `key_skeleton()` are the Unicode TS 39 confusable
skeletons of the tag as written and of its identity key. Two live names whose skeletons
match render alike ('HCLDR' and 'НCLDR', 'hcldr' and 'hсldr'); the identity registry
holds each skeleton once (`Identity`), so a look-alike is refused like a duplicate.
The prototypes come from Unicode's confusables.txt, kept in `hashtags/unicode/`.
"""

import functools
import unicodedata
from pathlib import Path

import regex
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
ZWNJ, ZWJ = "\u200c", "\u200d"
DEFAULT_IGNORABLE = regex.compile(r"\p{Default_Ignorable_Code_Point}")
# UAX 31's joining contexts: a ZWNJ sits between a letter that joins on its left side
# (dual or left joining) and one that joins on its right, skipping transparent marks.
JOINS_LEFT = regex.compile(r"[\p{Joining_Type=Dual_Joining}\p{Joining_Type=Left_Joining}]")
JOINS_RIGHT = regex.compile(r"[\p{Joining_Type=Dual_Joining}\p{Joining_Type=Right_Joining}]")
TRANSPARENT = regex.compile(r"\p{Joining_Type=Transparent}")
VIRAMA = 9  # canonical combining class of a virama
OVERLAY = 1  # canonical combining class of overlay marks
INHERITED_ONLY = regex.compile(r"\p{Script_Extensions=Inherited}")
CONFUSABLES = Path(__file__).resolve().parent / "unicode" / "confusables.txt"


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
    if char in (ZWNJ, ZWJ):
        return ValidationError(
            "A hashtag can contain %(char)s only between letters of a script that needs it "
            "(after a virama, or between joining Arabic letters); here it is invisible.",
            code="invisible",
            params={"char": _describe(char)},
        )
    if DEFAULT_IGNORABLE.match(char) or category == "Cf" or char in "\u200b\u2060\ufeff":
        return ValidationError(
            "A hashtag cannot contain invisible characters (found %(char)s); "
            "they make a tag look like another.",
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
    if _is_overlay(char):
        return ValidationError(
            "A hashtag cannot contain overlay marks (found %(char)s); "
            "they strike through letters to imitate others.",
            code="overlay",
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


def _is_overlay(char: str) -> bool:
    # U+0334-U+0338 and their kin belong to no script: they only draw a stroke through a
    # letter. Overlays of a script's own (Bassa Vah, Kharoshthi) are that script's marks.
    return unicodedata.combining(char) == OVERLAY and bool(INHERITED_ONLY.match(char))


def _joiner_allowed(text: str, index: int) -> bool:
    """UAX 31's contexts for ZWNJ and ZWJ: after a virama that follows a letter (Indic
    conjuncts, both joiners), or, for ZWNJ, between a letter joining on its left and one
    joining on its right (Persian, Arabic), transparent marks skipped."""
    before, after = text[:index], text[index + 1 :]
    if not before or not after:
        return False
    next_is_letter = unicodedata.category(after[0]) in LETTER_CATEGORIES
    if unicodedata.combining(before[-1]) == VIRAMA and next_is_letter:
        return True
    if text[index] != ZWNJ:
        return False
    left = before.rstrip("".join(c for c in before if TRANSPARENT.match(c)))
    right = after.lstrip("".join(c for c in after if TRANSPARENT.match(c)))
    return bool(left and right and JOINS_LEFT.match(left[-1]) and JOINS_RIGHT.match(right[0]))


# Scripts, by ISO 15924 code, as the `regex` module knows them (its Unicode version).
def _script_codes() -> dict[str, str]:
    from regex import _regex_core  # the property tables; no public listing exists

    values = _regex_core.PROPERTIES["SCX"][1]
    names: dict[int, list[str]] = {}
    for name, number in values.items():
        names.setdefault(number, []).append(name)
    codes = {}
    for aliases in names.values():
        code = next((a for a in aliases if len(a) == 4), None)
        if code and code not in {"ZZZZ", "ZYYY", "ZINH"}:
            longest = max(aliases, key=len)
            codes[code.title()] = longest.title()
    return codes


SCRIPT_NAMES = _script_codes()
_SCRIPT_PATTERNS = {
    code: regex.compile(rf"\p{{Script_Extensions={code}}}") for code in SCRIPT_NAMES
}
# TS 39's augmented scripts: Han writes Chinese (with Bopomofo), Japanese (with Hiragana
# and Katakana) and Korean (with Hangul).
HANB, JPAN, KORE = "Hanb", "Jpan", "Kore"
_AUGMENT = {
    "Hani": {HANB, JPAN, KORE},
    "Hira": {JPAN},
    "Kana": {JPAN},
    "Hang": {KORE},
    "Bopo": {HANB},
}


@functools.cache
def _scripts(char: str) -> frozenset[str]:
    """The augmented Script_Extensions of a character; empty for Common and Inherited
    characters (digits, '_', marks shared by scripts), which go with any script."""
    found = {code for code, pattern in _SCRIPT_PATTERNS.items() if pattern.match(char)}
    for code in list(found):
        found |= _AUGMENT.get(code, set())
    return frozenset(found)


def check_scripts(tag: str) -> None:
    """Refuse a tag whose letters mix scripts beyond TS 39's "highly restrictive" level:
    one script, or Latin with Han+Hiragana+Katakana, Han+Bopomofo or Han+Hangul."""
    sets = [scripts for scripts in map(_scripts, tag) if scripts]
    if not sets or frozenset.intersection(*sets):
        return
    others = [scripts for scripts in sets if "Latn" not in scripts]
    if others and frozenset.intersection(*others) & {HANB, JPAN, KORE}:
        return
    common = sets[0]
    for odd in tag:  # the first letter that leaves the ones before it no common script
        if _scripts(odd):
            common = common & _scripts(odd)
            if not common:
                break
    raise ValidationError(
        "A hashtag cannot mix letters of different scripts: '%(char)s' (%(script)s) does not "
        "go with the letters before it. Mixed scripts make a tag imitate another.",
        code="mixed_script",
        params={"char": odd, "script": _script_name(odd)},
    )


def _script_name(char: str) -> str:
    codes = sorted(_scripts(char) - {HANB, JPAN, KORE})
    return " or ".join(SCRIPT_NAMES[code].replace("_", " ") for code in codes) or "Common"


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
        if char in (ZWNJ, ZWJ) and _joiner_allowed(text, index):
            continue
        if DEFAULT_IGNORABLE.match(char) or _is_overlay(char):
            raise _refusal(char, text)
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
    check_scripts(text)
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


@functools.cache
def _prototypes() -> dict[int, str]:
    """Unicode's confusables.txt: each source character's prototype."""
    table = {}
    with CONFUSABLES.open(encoding="utf-8-sig") as lines:
        for line in lines:
            data = line.split("#", 1)[0].strip()
            if not data:
                continue
            source, target, *_ = (field.strip() for field in data.split(";"))
            table[int(source, 16)] = "".join(chr(int(cp, 16)) for cp in target.split())
    return table


def skeleton(text: str) -> str:
    """Unicode TS 39's skeleton: NFD, default-ignorable code points removed, each
    character replaced by its prototype, NFD again. Equal skeletons render alike."""
    text = DEFAULT_IGNORABLE.sub("", unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", text.translate(_prototypes()))


def tag_skeleton(tag: str) -> str:
    """The skeleton of the tag as written ('НCLDR' and 'HCLDR' share one)."""
    text = unicodedata.normalize("NFKC", tag)
    return skeleton(text[1:] if text.startswith("#") else text)


def key_skeleton(tag: str) -> str:
    """The skeleton of the tag's identity key: look-alikes in any letter case
    ('hсldr' with a Cyrillic 'с' against 'HCLDR')."""
    return skeleton(tag_key(tag))
