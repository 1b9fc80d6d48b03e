"""What drf-spectacular cannot see for itself, added to the OpenAPI schema after it is
generated (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]):

- the data's licence (CC0 1.0, the export's `licence`) as `info.license`, the site as
  `info.contact`, and the operations' groups (`tags`) with a description each;
- the open-data exports, `GET /api/v1/export.json`, `.csv` and `export/activity.csv`:
  plain Django views that stream (hashtags.opendata.views), so no serializer describes them;
  the JSON document is described by its own JSON Schema (registry_io.SCHEMA_FILE, served
  at `GET /api/v1/export.schema.json`), which becomes the `Export…` components here.

- the rules the API enforces on its query parameters, where a schema can state them
  (`_state_rules`): a filter given empty or blank is refused, the filters' own limits
  (`active_within_days` 1-3650, `q` at most 200 characters) read from the filters
  themselves, BCP 47's syntax for `language`, a zone name's shape for `tz`, and the
  values `include_retired` takes. What depends on data (a category or platform that
  exists, a registered language subtag, a zone the tz database knows, a cursor the API
  wrote) or spans two parameters (the upcoming window: `end` after `start`, at most 31
  days) is said in words, and refused with a 400 naming the parameter.

The schema is OpenAPI 3.1 (SPECTACULAR_SETTINGS["OAS_VERSION"]): null is a JSON Schema
type, so what may be null says so with `type: [..., "null"]`, or `oneOf` with
`{"type": "null"}` beside a reference.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.conf import settings

from hashtags.activity.export import COLUMNS as ACTIVITY_COLUMNS
from hashtags.api.filters import HashtagFilter
from hashtags.filters import PresentValueMixin
from hashtags.models import validate_language
from hashtags.opendata import registry_io
from hashtags.opendata import views as export_views

# The operations' groups, alphabetical (as the docs list them).
TAGS = [
    {"name": "categories", "description": "The category tree, with public entry counts."},
    {"name": "changes", "description": "Every change to the public registry, in order."},
    {"name": "chats", "description": "Chat meetings in a window, in any time zone."},
    {"name": "export", "description": "The whole public registry as open data (CC0 1.0)."},
    {"name": "hashtags", "description": "Public entries; curators create and change them."},
    {"name": "submissions", "description": "Propose an entry or an edit; curators decide."},
]

ERROR_REF = {"$ref": "#/components/schemas/Error"}
FIELD_ERRORS = {
    "type": "object",
    "description": 'Messages by field, e.g. {"include_retired": ["Use 1 or 0 (got \'x\')."]}.',
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

STRING_HEADER = {"schema": {"type": "string"}}
EXPORT_HEADERS = {
    "ETag": {**STRING_HEADER, "description": "Send it back in If-None-Match to get 304."},
    "Last-Modified": {**STRING_HEADER, "description": "When the registry last changed."},
    "Link": {
        **STRING_HEADER,
        "description": 'The data\'s licence, `rel="license"`; for the JSON document, its '
        'JSON Schema too, `rel="describedby"`.',
    },
    "Content-Disposition": {**STRING_HEADER, "description": "A file name for the download."},
}


def _export_operation(fmt: str) -> dict[str, Any]:
    if fmt == "json":
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/Export"}}}
    else:
        content = {
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": (
                        "A header row, then one row per entry (the JSON entry's keys); "
                        "lists '|'-separated, chats and moderators as JSON in their cell."
                    ),
                }
            }
        }
    return {
        "operationId": f"export_{fmt}",
        "summary": f"The whole public registry as {fmt.upper()} (open data, CC0 1.0)",
        "description": (
            "Streamed from the database. Send the ETag back in If-None-Match: an unchanged "
            "registry answers 304 at once, and a 304 does not count against the export "
            "rate limit (EXPORT_RATE full answers per client)."
        ),
        "tags": ["export"],
        "security": [],
        "parameters": [
            {
                "name": "include_retired",
                "in": "query",
                "required": False,
                "description": "1 to include retired entries (default 0).",
                "schema": {"type": "string", "enum": ["0", "1"]},
            }
        ],
        "responses": {
            "200": {"description": "The document.", "headers": EXPORT_HEADERS, "content": content},
            "304": {"description": "Not modified since the ETag you sent."},
            "400": {
                "description": "Invalid input: messages by field.",
                "content": {"application/json": {"schema": FIELD_ERRORS}},
            },
            "429": {
                "description": "Too many full exports from your address; retry after Retry-After.",
                "content": {"application/json": {"schema": ERROR_REF}},
            },
        },
    }


def _export_schema_operation() -> dict[str, Any]:
    return {
        "operationId": "export_schema",
        "summary": "The JSON Schema of the JSON export (format version "
        f"{registry_io.FORMAT_VERSION})",
        "description": "JSON Schema 2020-12, the file versioned with the code; every JSON "
        'export links to it (`Link: <…>; rel="describedby"`). A full answer counts against '
        "the export rate limit (EXPORT_RATE), a 304 does not.",
        "tags": ["export"],
        "security": [],
        "responses": {
            "200": {
                "description": "The schema.",
                "headers": {"ETag": EXPORT_HEADERS["ETag"]},
                "content": {
                    "application/schema+json": {
                        "schema": {"type": "object", "description": "A JSON Schema."}
                    }
                },
            },
            "304": {"description": "Not modified since the ETag you sent."},
            "429": {
                "description": "Too many full exports from your address; retry after Retry-After.",
                "content": {"application/json": {"schema": ERROR_REF}},
            },
        },
    }


def _definition_name(name: str) -> str:
    return "Export" + name[:1].upper() + name[1:]


def _moved(node: Any) -> Any:
    """A node of the export's JSON Schema with its references to `#/$defs/<name>` pointed
    at the components they become."""
    if isinstance(node, dict):
        return {
            key: "#/components/schemas/" + _definition_name(value.rsplit("/", 1)[-1])
            if key == "$ref"
            else _moved(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_moved(value) for value in node]
    return node


def export_components() -> dict[str, Any]:
    """The export's JSON Schema as OpenAPI 3.1 components (whose schemas are JSON Schema
    2020-12, so only the references move): the document as `Export`, each definition as
    `Export<Name>`."""
    document = json.loads(registry_io.SCHEMA_FILE.read_text(encoding="utf-8"))
    definitions = document.pop("$defs")
    del document["$schema"], document["$id"]
    components = {"Export": _moved(document)}
    for name, definition in definitions.items():
        components[_definition_name(name)] = _moved(definition)
    return components


def _activity_export_operation() -> dict[str, Any]:
    operation = _export_operation("csv")
    operation["operationId"] = "export_activity_csv"
    operation["summary"] = "Daily activity counts of the public entries as CSV (CC0 1.0)"
    operation["description"] = (
        "One row per entry, network, server and day: "
        f"`{','.join(ACTIVITY_COLUMNS)}` (counts only: no post, no account). Streamed; the "
        "ETag changes with each refresh_activity run, and a 304 does not count against the "
        "export rate limit (EXPORT_RATE full answers per client)."
    )
    operation["parameters"] = []
    operation["responses"]["200"]["content"]["text/csv"]["schema"]["description"] = (
        "A header row, then one row per entry, network, server and day."
    )
    operation["responses"]["200"]["headers"] = {
        **EXPORT_HEADERS,
        "Last-Modified": {**STRING_HEADER, "description": "When the counts last changed."},
    }
    del operation["responses"]["400"]
    return operation


def _any_case(text: str) -> str:
    """A regular expression matching `text` in any case (JSON Schema's patterns have no
    flags): "on" -> "[Oo][Nn]"."""
    return "".join(
        f"[{char.upper()}{char.lower()}]" if char.isalpha() else re.escape(char) for char in text
    )


# BCP 47 (RFC 5646) as validate_language reads it: subtags separated by '-' (or '_'),
# any case, blanks around it stripped; the irregular grandfathered tags too. Which
# subtags are registered is the IANA registry's to say, not a pattern's.
_SEP = "[-_]"
_LANGTAG = (
    rf"(?:[A-Za-z]{{2,3}}(?:{_SEP}[A-Za-z]{{3}}){{0,3}}|[A-Za-z]{{4,8}})"
    rf"(?:{_SEP}[A-Za-z]{{4}})?"
    rf"(?:{_SEP}(?:[A-Za-z]{{2}}|[0-9]{{3}}))?"
    rf"(?:{_SEP}(?:[A-Za-z0-9]{{5,8}}|[0-9][A-Za-z0-9]{{3}}))*"
    rf"(?:{_SEP}[0-9A-WY-Za-wy-z](?:{_SEP}[A-Za-z0-9]{{2,8}})+)*"
    rf"(?:{_SEP}[Xx](?:{_SEP}[A-Za-z0-9]{{1,8}})+)?"
)
_IRREGULAR = ["en-GB-oed", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE"]
BCP47 = "|".join(
    [
        _LANGTAG,
        rf"[Xx](?:{_SEP}[A-Za-z0-9]{{1,8}})+",
        rf"[Ii]{_SEP}[A-Za-z]{{3,8}}",
        *(_any_case(tag).replace(r"\-", _SEP) for tag in _IRREGULAR),
    ]
)
# Something other than blanks: a filter given empty or blank is refused.
PRESENT_PATTERN = r"\S"
# An IANA zone name as hashtags.schedules.get_zone reads one: printable, not a path.
ZONE_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": 64,
    "pattern": r"^(?![./])(?!.*\.\.)[^\\\x00-\x1f\x7f]+$",
}


def _yes_no_pattern() -> str:
    words = sorted((export_views.TRUE | export_views.FALSE) - {""})
    return r"^\s*(?:" + "|".join(_any_case(word) for word in words) + r")?\s*$"


def _text_pattern(field: forms.CharField) -> str | None:
    """What a text filter takes, as Django's CharField reads it: blanks around the value
    stripped before its length is checked, and no NUL character."""
    longest = field.max_length
    if validate_language in field.validators:
        # A tag has no blank inside, so its length is the run of non-blanks.
        return rf"^\s*(?=\S{{1,{longest}}}\s*$)(?:{BCP47})\s*$"
    if longest:
        text = rf"[^\s\x00](?:[^\x00]{{0,{longest - 2}}}[^\s\x00])?"
        required = isinstance(field, PresentValueMixin)
        return rf"^\s*(?:{text}){'' if required else '?'}\s*$"
    return None


def _filter_rules(name: str) -> dict[str, Any]:
    """What the entry list's filter `name` refuses, read from its form field."""
    definition = HashtagFilter.base_filters.get(name)
    if definition is None:
        return {}
    field = definition.field
    rules: dict[str, Any] = {}
    if isinstance(field, forms.IntegerField):
        if field.min_value is not None:
            rules["minimum"] = field.min_value
        if field.max_value is not None:
            rules["maximum"] = field.max_value
    pattern = _text_pattern(field) if isinstance(field, forms.CharField) else None
    if pattern:
        rules["pattern"] = pattern
    elif isinstance(field, PresentValueMixin):
        rules["pattern"] = PRESENT_PATTERN
    return rules


def _state_rules(paths: dict[str, Any]) -> None:
    for parameter in paths["/api/v1/hashtags/"]["get"]["parameters"]:
        schema = parameter["schema"]
        for key, value in _filter_rules(parameter["name"]).items():
            if key == "pattern" and ("enum" in schema or schema.get("type") != "string"):
                continue  # an enum, a number or a boolean is never blank
            schema[key] = value
    upcoming = paths["/api/v1/chats/upcoming/"]["get"]["parameters"]
    next(p for p in upcoming if p["name"] == "tz")["schema"] = dict(ZONE_NAME)
    for path in ("/api/v1/export.json", "/api/v1/export.csv"):
        (include_retired,) = paths[path]["get"]["parameters"]
        include_retired["schema"] = {"type": "string", "pattern": _yes_no_pattern()}


def complete_schema(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular's postprocessing hook: see the module's docstring."""
    licence = registry_io.LICENCE
    result["info"]["license"] = {"name": licence["id"], "url": licence["url"]}
    result["info"]["contact"] = {"name": "Healthcare Hashtag Directory", "url": settings.SITE_URL}
    result["tags"] = TAGS
    result["paths"]["/api/v1/export.json"] = {"get": _export_operation("json")}
    result["paths"]["/api/v1/export.csv"] = {"get": _export_operation("csv")}
    result["paths"]["/api/v1/export.schema.json"] = {"get": _export_schema_operation()}
    result["paths"]["/api/v1/export/activity.csv"] = {"get": _activity_export_operation()}
    result.setdefault("components", {}).setdefault("schemas", {}).update(export_components())
    _state_rules(result["paths"])
    _public_without_token(result["paths"])
    return result


def _public_without_token(paths: dict[str, Any]) -> None:
    """An operation anyone may call (its security lists "no token" beside the token)
    declares no security at all: Swagger UI shows no padlock on what needs no token. A
    token there only lifts the anonymous throttle."""
    for operations in paths.values():
        for operation in operations.values():
            if isinstance(operation, dict) and {} in operation.get("security", ()):
                operation["security"] = []
