"""What drf-spectacular cannot see for itself, added to the OpenAPI schema after it is
generated (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]):

- the data's licence (CC0 1.0, the export's `licence`) as `info.license`, the site as
  `info.contact`, and the operations' groups (`tags`) with a description each;
- the open-data exports, `GET /api/v1/export.json`, `.csv` and `export/activity.csv`:
  plain Django views that stream (hashtags.export_views), so no serializer describes them.

The schema is OpenAPI 3.1 (SPECTACULAR_SETTINGS["OAS_VERSION"]): null is a JSON Schema
type, so what may be null says so with `type: [..., "null"]`, or `oneOf` with
`{"type": "null"}` beside a reference.
"""

from __future__ import annotations

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

EXPORT_DOCUMENT = {
    "type": "object",
    "description": (
        "The public registry, format version "
        f"{registry_io.FORMAT_VERSION}: the category tree (parents first) and every public "
        "entry with its categories, platforms, aliases, chats and moderators, in identity "
        "order. The same data always gives the same bytes."
    ),
    "required": ["format", "version", "licence", "updated", "categories", "hashtags"],
    "properties": {
        "format": {"type": "string", "enum": [registry_io.FORMAT_NAME]},
        "version": {"type": "integer", "enum": [registry_io.FORMAT_VERSION]},
        "licence": {
            "type": "object",
            "required": ["id", "name", "url"],
            "properties": {
                "id": {"type": "string", "example": registry_io.LICENCE["id"]},
                "name": {"type": "string"},
                "url": {"type": "string", "format": "uri"},
            },
        },
        "updated": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "The latest update of an exported entry; null when there is none.",
        },
        "categories": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["slug", "name", "parent"],
                "properties": {
                    "slug": {"type": "string"},
                    "name": {"type": "string"},
                    "parent": {"type": ["string", "null"]},
                    "description": {"type": "string"},
                },
            },
        },
        "hashtags": {
            "type": "array",
            "items": {
                "type": "object",
                "description": (
                    "An entry: the fields of the API's entries plus `status_reason` and "
                    "`approved_at`; chats and moderators as the API gives them."
                ),
                "required": ["tag", "name", "kind", "status"],
                "properties": {
                    "tag": {"type": "string"},
                    "name": {"type": "string"},
                    "kind": {"type": "string"},
                    "status": {"type": "string", "enum": ["approved", "retired"]},
                    "categories": {"type": "array", "items": {"type": "string"}},
                    "platforms": {"type": "array", "items": {"type": "string"}},
                    "aliases": {"type": "array", "items": {"type": "string"}},
                    "chats": {"type": "array", "items": {"type": "object"}},
                    "moderators": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}

STRING_HEADER = {"schema": {"type": "string"}}
EXPORT_HEADERS = {
    "ETag": {**STRING_HEADER, "description": "Send it back in If-None-Match to get 304."},
    "Last-Modified": {**STRING_HEADER, "description": "When the registry last changed."},
    "Link": {**STRING_HEADER, "description": 'The data\'s licence, `rel="license"`.'},
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
    result["paths"]["/api/v1/export/activity.csv"] = {"get": _activity_export_operation()}
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Export"] = EXPORT_DOCUMENT
    return result
