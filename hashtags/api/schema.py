"""What drf-spectacular cannot see for itself, added to the OpenAPI schema after it is
generated (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]):

- the data's licence (CC0 1.0, the export's `licence`) as `info.license`, the site as
  `info.contact`, and the operations' groups (`tags`) with a description each;
- the open-data exports, `GET /api/v1/export.json`, `.csv` and `export/activity.csv`:
  plain Django views that stream (hashtags.export_views), so no serializer describes them;
  the JSON document is described by its own JSON Schema (registry_io.SCHEMA_FILE, served
  at `GET /api/v1/export.schema.json`), which becomes the `Export…` components here.

The schema is OpenAPI 3.1 (SPECTACULAR_SETTINGS["OAS_VERSION"]): null is a JSON Schema
type, so what may be null says so with `type: [..., "null"]`, or `oneOf` with
`{"type": "null"}` beside a reference.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from hashtags import registry_io
from hashtags.activity.export import COLUMNS as ACTIVITY_COLUMNS

# The operations' groups, alphabetical (as the docs list them).
TAGS = [
    {"name": "categories", "description": "The category tree, with public entry counts."},
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
    return result
