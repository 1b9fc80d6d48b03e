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
- no character TS 39 types as Technical, Obsolete, Uncommon_Use or Not_XID ('HCLDʀ'
  with U+0280, a phonetic small capital R); Limited_Use scripts stay allowed;
- identity is the casefolded NFKC form: '#hcldr', '#HCLDR' and '＃ＨＣＬＤＲ' are one.

Look-alikes: `tag_skeleton()` and `key_skeleton()` are the Unicode TS 39 confusable
skeletons of the tag as written and of its identity key. Two live names that share a
skeleton, of either form, render alike ('HCLDR' and 'НCLDR', 'hcldr' and 'hсldr',
'hcIdr' with a capital I and 'HCLDR''s key); the identity registry holds each skeleton
once, whichever form it comes from (`Identity`, `IdentitySkeleton`), so a look-alike is
refused like a duplicate. Characters TS 39 types as Technical, Obsolete, Uncommon_Use or
Not_XID are refused (`check_identifier_types`).

The Unicode data (confusables.txt, IdentifierType.txt, Scripts.txt,
ScriptExtensions.txt, PropertyValueAliases.txt) is kept in `hashtags/unicode/`.
"""

import bisect
import functools
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import regex
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    return f"{code} {name}" if name else code


def check_no_bidi_controls(text: str) -> None:
    """Refuse text with a bidirectional control (U+202E RIGHT-TO-LEFT OVERRIDE and its
    kin): it makes text display as something else ("Trojan Source"). Right-to-left
    scripts need none of them; the browser orders their letters itself."""
    found = next((char for char in text if char in BIDI_CONTROLS), None)
    if found is not None:
        raise ValidationError(
            _(
                "Remove the bidirectional control character %(char)s: it makes text display "
                "differently from what it is."
            ),
            code="bidi_control",
            params={"char": _describe(found)},
        )


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
            _(
                "A hashtag cannot contain bidirectional control characters (found %(char)s); "
                "they make text display differently from what it is."
            ),
            code="bidi_control",
            params={"char": _describe(char)},
        )
    if char in (ZWNJ, ZWJ):
        return ValidationError(
            _(
                "A hashtag can contain %(char)s only between letters of a script that needs it "
                "(after a virama, or between joining Arabic letters); here it is invisible."
            ),
            code="invisible",
            params={"char": _describe(char)},
        )
    if DEFAULT_IGNORABLE.match(char) or category == "Cf" or char in "\u200b\u2060\ufeff":
        return ValidationError(
            _(
                "A hashtag cannot contain invisible characters (found %(char)s); "
                "they make a tag look like another."
            ),
            code="invisible",
            params={"char": _describe(char)},
        )
    if category.startswith("Z") or char.isspace():
        return ValidationError(
            _("A hashtag cannot contain spaces: use one word, e.g. #%(example)s."),
            code="space",
            params={"example": "".join(tag.split()) or "HCLDR"},
        )
    if _is_emoji(char):
        return ValidationError(
            _("A hashtag cannot contain emoji (found %(char)s)."),
            code="emoji",
            params={"char": char},
        )
    if category.startswith("C"):
        return ValidationError(
            _("A hashtag cannot contain control characters (found %(char)s)."),
            code="control",
            params={"char": _describe(char)},
        )
    if _is_overlay(char):
        return ValidationError(
            _(
                "A hashtag cannot contain overlay marks (found %(char)s); "
                "they strike through letters to imitate others."
            ),
            code="overlay",
            params={"char": _describe(char)},
        )
    if category.startswith("M"):
        return ValidationError(
            _("A hashtag cannot start with a combining mark (found %(char)s)."),
            code="leading_mark",
            params={"char": _describe(char)},
        )
    return ValidationError(
        _("A hashtag can only contain letters, digits and underscores; %(char)s is not allowed."),
        code="invalid_character",
        params={"char": f"'{char}'"},
    )


def _is_overlay(char: str) -> bool:
    # U+0334-U+0338 and their kin belong to no script: they only draw a stroke through a
    # letter. Overlays of a script's own (Bassa Vah, Kharoshthi) are that script's marks.
    return unicodedata.combining(char) == OVERLAY and script_extensions(char, common=True) == {
        "Zinh"
    }


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


UNICODE_DATA = Path(__file__).resolve().parent / "unicode"
CONFUSABLES = UNICODE_DATA / "confusables.txt"


def _ucd_lines(name: str) -> Iterator[tuple[int, int, str]]:
    """The (first, last, value) ranges of a Unicode data file in `hashtags/unicode/`."""
    with (UNICODE_DATA / name).open(encoding="utf-8-sig") as lines:
        for line in lines:
            data = line.split("#", 1)[0].strip()
            if not data:
                continue
            codes, value, *_ = (field.strip() for field in data.split(";"))
            first, _, last = codes.partition("..")
            yield int(first, 16), int(last or first, 16), value


class _RangeTable:
    """A Unicode property read from its data file: the value of each listed range,
    `default` elsewhere."""

    def __init__(self, ranges: Iterator[tuple[int, int, str]], default: str = "") -> None:
        rows = sorted(ranges)
        self.starts = [first for first, _last, _value in rows]
        self.rows = rows
        self.default = default

    def __getitem__(self, char: str) -> str:
        code = ord(char)
        index = bisect.bisect_right(self.starts, code) - 1
        if index >= 0 and self.rows[index][1] >= code:
            return self.rows[index][2]
        return self.default


@functools.cache
def _script_tables() -> tuple[dict[str, str], _RangeTable, _RangeTable]:
    """Unicode's PropertyValueAliases.txt (script codes and names), Scripts.txt and
    ScriptExtensions.txt, kept in `hashtags/unicode/`."""
    names = {}
    with (UNICODE_DATA / "PropertyValueAliases.txt").open(encoding="utf-8-sig") as lines:
        for line in lines:
            fields = [field.strip() for field in line.split("#", 1)[0].split(";")]
            if fields[0] == "sc":
                names[fields[2]] = fields[1]  # 'Latin' -> 'Latn'
    return (
        names,
        _RangeTable(_ucd_lines("Scripts.txt")),
        _RangeTable(_ucd_lines("ScriptExtensions.txt")),
    )


# Scripts by ISO 15924 code, with their Unicode names ('Cyrl': 'Cyrillic'); Common,
# Inherited and Unknown are no script of their own.
SCRIPT_NAMES = {
    code: name for name, code in _script_tables()[0].items() if code not in {"Zyyy", "Zinh", "Zzzz"}
}


def script_extensions(char: str, *, common: bool = False) -> frozenset[str]:
    """The character's Script_Extensions as ISO 15924 codes ('а' → {'Cyrl'}, the Arabic
    tatweel → {'Arab', 'Syrc', ...}); empty for Common and Inherited characters, unless
    `common` asks for those too ('1' → {'Zyyy'}, U+0338 → {'Zinh'})."""
    names, scripts, extensions = _script_tables()
    listed = extensions[char]
    codes = listed.split() if listed else [names.get(scripts[char], "Zzzz")]
    return frozenset(code for code in codes if common or code in SCRIPT_NAMES)


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
    found = set(script_extensions(char))
    for code in list(found):
        found |= _AUGMENT.get(code, set())
    return frozenset(found)


def check_scripts(tag: str, *, noun: str = "hashtag") -> None:
    """Refuse a tag (or another name, as `noun` says) whose letters mix scripts beyond
    TS 39's "highly restrictive" level: one script, or Latin with Han+Hiragana+Katakana,
    Han+Bopomofo or Han+Hangul."""
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
        _(
            "A %(noun)s cannot mix letters of different scripts: '%(char)s' (%(script)s) does "
            "not go with the letters before it. Mixed scripts make a name imitate another."
        ),
        code="mixed_script",
        params={"noun": noun, "char": odd, "script": _script_name(odd)},
    )


def _script_name(char: str) -> str:
    codes = sorted(_scripts(char) - {HANB, JPAN, KORE})
    return " or ".join(SCRIPT_NAMES[code].replace("_", " ") for code in codes) or "Common"


# TS 39's Identifier_Type values of characters a hashtag refuses: letters of technical
# notations (phonetics, mathematics), of obsolete and uncommon use, and characters never
# in identifiers ('ʀ' U+0280 is a phonetic letter that reads as 'R'). Limited_Use, the
# scripts of living communities not yet in common use on computers, stays allowed.
REFUSED_IDENTIFIER_TYPES = {
    "Technical": gettext_lazy("a character of technical notations (phonetics, mathematics)"),
    "Obsolete": gettext_lazy("a character no longer in use"),
    "Uncommon_Use": gettext_lazy("a character in uncommon use"),
    "Not_XID": gettext_lazy("a character that is not part of words"),
}


@functools.cache
def _identifier_types() -> _RangeTable:
    """Unicode's IdentifierType.txt (TS 39), kept in `hashtags/unicode/`."""
    return _RangeTable(_ucd_lines("IdentifierType.txt"), default="Not_Character")


def identifier_types(char: str) -> frozenset[str]:
    """The character's TS 39 Identifier_Type values ('a' → {'Recommended'},
    'ʀ' → {'Technical'})."""
    return frozenset(_identifier_types()[char].split())


def check_identifier_types(tag: str) -> None:
    """Refuse a tag with a character TS 39 types as Technical, Obsolete, Uncommon_Use or
    Not_XID ('HCLDʀ' with U+0280 LATIN LETTER SMALL CAPITAL R)."""
    for char in tag:
        refused = [kind for kind in REFUSED_IDENTIFIER_TYPES if kind in identifier_types(char)]
        if refused:
            raise ValidationError(
                _(
                    "A hashtag cannot contain %(char)s: Unicode counts it as %(kind)s "
                    "(TS 39 identifier type %(type)s), and it can make a tag look like another."
                ),
                code="identifier_type",
                params={
                    "char": _describe(char),
                    "kind": REFUSED_IDENTIFIER_TYPES[refused[0]],
                    "type": ", ".join(refused),
                },
            )


def clean_tag(raw: str) -> str:
    """Return the display form of a hashtag, or raise ValidationError saying what is wrong."""
    if not isinstance(raw, str):
        raise ValidationError(_("Enter a hashtag as text."), code="invalid")
    text = unicodedata.normalize("NFKC", raw)
    if text.startswith("#"):
        text = text[1:]
    if not text:
        raise ValidationError(_("Enter a hashtag, e.g. #HCLDR."), code="required")
    if len(text) > MAX_TAG_LENGTH:
        raise ValidationError(
            _("A hashtag can be at most %(max)d characters long (this one has %(length)d)."),
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
            _("A hashtag needs at least one letter; #%(tag)s has none."),
            code="no_letter",
            params={"tag": text},
        )
    check_identifier_types(text)
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


def skeletons(tag: str) -> frozenset[str]:
    """Both skeletons of a tag, as written and of its key. Two names look alike when they
    share one, whichever form each is of: 'hcIdr' (capital I) as written has the skeleton
    of 'HCLDR''s key."""
    return frozenset({tag_skeleton(tag), key_skeleton(tag)})


def looks_alike(one: str, other: str) -> bool:
    """Whether two tags render alike in some letter case ('hcIdr' and 'HCLDR')."""
    return bool(skeletons(one) & skeletons(other))
