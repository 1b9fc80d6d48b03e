"""What a submission proposes, in words: the fields of a new entry, or the changed fields
of an edit suggestion, as its author reads them on the status page and in the email that
acknowledges it. Never the author's name or email."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hashtags import schedules
from hashtags.models import Category, Chat, Kind, Platform, Role, Submission

# The entry's own fields as people read them, in the order pages show them.
LABELS = {
    "name": gettext_lazy("Name"),
    "kind": gettext_lazy("Kind"),
    "description": gettext_lazy("Description"),
    "website": gettext_lazy("Website"),
    "language": gettext_lazy("Language"),
    "source": gettext_lazy("Source"),
    "start_date": gettext_lazy("Start date"),
    "end_date": gettext_lazy("End date"),
    "place": gettext_lazy("Place"),
}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def chats_in_words(chats: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """Each chat as sent, with its schedule in words ("Tuesdays at 8:30 PM ET")."""
    shown = []
    for data in chats:
        chat = Chat(
            title=data.get("title") or "",
            frequency=data.get("frequency") or "weekly",
            weekdays=",".join(data.get("weekdays") or []),
            interval=data.get("interval") or 1,
            month_weeks=",".join(str(week) for week in data.get("month_weeks") or []),
            start_time=time.fromisoformat(data["start_time"]),
            duration_minutes=data.get("duration_minutes") or 60,
            timezone_id=data.get("timezone") or "UTC",
            starts_on=_day(data.get("starts_on")),
            ends_on=_day(data.get("ends_on")),
        )
        shown.append((data, schedules.describe(chat)))
    return shown


def summary(submission: Submission) -> dict[str, Any]:
    """The proposed values by field (all of them for a new entry, the changed ones for an
    edit suggestion, "none" for one it clears)."""
    data = submission.payload or {}
    shown: dict[str, Any] = {}
    for name in LABELS:
        if data.get(name) not in (None, ""):
            shown[name] = data[name]
        elif name in data and submission.kind == Submission.Kind.EDIT:
            shown[name] = _("none")  # the suggestion clears it
    if "kind" in shown:
        kind = shown["kind"]
        shown["kind"] = str(Kind(kind).label) if kind in Kind.values else None
    if "categories" in data:
        categories = Category.objects.filter(slug__in=data["categories"]).select_related(
            "parent__parent__parent"
        )
        shown["categories"] = sorted(str(category) for category in categories)
    platform_names = (
        dict(Platform.objects.values_list("code", "name"))
        if "platforms" in data or "moderators" in data
        else {}
    )
    if "platforms" in data:
        shown["platforms"] = [platform_names.get(code, code) for code in data["platforms"]]
    if "chats" in data:
        shown["chats"] = chats_in_words(data["chats"])
    if "moderators" in data:
        roles = dict(Role.choices)
        shown["hosts"] = [
            {
                "handle": host.get("handle", ""),
                "name": host.get("display_name", ""),
                "platform": platform_names.get(host.get("platform"), host.get("platform")),
                "role": str(roles.get(host.get("role"), host.get("role"))),
            }
            for host in data["moderators"]
        ]
    return shown


def lines(submission: Submission) -> list[str]:
    """The proposal as lines of plain text, one a field: "Website: https://…" (a value of
    several lines, a description, indented under its first); the lists as `value_lines`
    words them, one producer for the email and the curators' review."""
    shown = summary(submission)
    told = [
        _field_line(label, str(shown[name]).replace("\n", "\n  "))
        for name, label in LABELS.items()
        if shown.get(name)
    ]
    data = submission.payload or {}
    for name in ("categories", "platforms", "chats", "moderators"):
        if name in data:
            words = value_lines(name, data[name])
            nothing = _("no recurring chat") if name == "chats" else _("none")
            told.append(_field_line(FIELD_LABELS[name], "; ".join(words) or nothing))
    return told


def _field_line(label: str, value: str) -> str:
    """One field and its value on a line: "Website: https://…"."""
    return _("%(field)s: %(value)s") % {"field": label, "value": value}


# --- A record's fields in words, for the curators' review -----------------------------

FIELD_LABELS = {
    **LABELS,
    "tag": gettext_lazy("Hashtag"),
    "categories": gettext_lazy("Categories"),
    "platforms": gettext_lazy("Platforms"),
    "aliases": gettext_lazy("Aliases"),
    "chats": gettext_lazy("Chats"),
    "moderators": gettext_lazy("Hosts and moderators"),
    "replaced_by": gettext_lazy("Replaced by"),
}


def _chat_words(data: dict[str, Any], words: str) -> str:
    titled = _("%(title)s: %(schedule)s") % {"title": data.get("title"), "schedule": words}
    parts = [titled if data.get("title") else words]
    if data.get("starts_on") or data.get("ends_on"):
        parts.append(
            _("from %(first)s to %(last)s")
            % {"first": data.get("starts_on") or "…", "last": data.get("ends_on") or "…"}
        )
    for pause in data.get("pauses") or []:
        if pause.get("until"):
            parts.append(
                _("break %(first)s to %(last)s")
                % {"first": pause.get("from"), "last": pause.get("until")}
            )
        else:
            parts.append(_("break %(first)s to further notice") % {"first": pause.get("from")})
    if data.get("cancelled_dates"):
        parts.append(_("cancelled %(days)s") % {"days": ", ".join(data["cancelled_dates"])})
    if data.get("is_active") is False:
        parts.append(_("withdrawn"))
    if data.get("note"):
        parts.append(_("note: %(note)s") % {"note": data["note"]})
    return "; ".join(parts)


def value_lines(name: str, value: Any) -> list[str]:
    """One field of an entry's record (a proposal, the entry as stored) as a curator reads
    it, a line per item of a list: names rather than codes, a chat's schedule in words,
    a host as "@handle (name, role, on platform)"; [] for nothing."""
    if value in (None, "", []):
        return []
    if name == "kind":
        return [str(Kind(value).label) if value in Kind.values else str(value)]
    if name == "categories":
        found = {
            category.slug: str(category)
            for category in Category.objects.filter(slug__in=value).select_related(
                "parent__parent__parent"
            )
        }
        return [found.get(slug, slug) for slug in value]
    if name == "platforms":
        names = dict(Platform.objects.values_list("code", "name"))
        return [names.get(code, code) for code in value]
    if name == "aliases":
        return [f"#{tag}" for tag in value]
    if name == "chats":
        return [_chat_words(data, words) for data, words in chats_in_words(value)]
    if name == "moderators":
        names, roles = dict(Platform.objects.values_list("code", "name")), dict(Role.choices)
        return [
            f"@{host.get('handle', '')} ("
            + ", ".join(
                part
                for part in (
                    host.get("display_name"),
                    str(roles.get(host.get("role"), host.get("role")) or ""),
                    _("on %(platform)s")
                    % {"platform": names.get(host.get("platform"), host.get("platform"))},
                    host.get("profile_url"),
                    "–".join(str(year) for year in (host.get("since"), host.get("until")) if year),
                )
                if part
            )
            + ")"
            for host in value
        ]
    return [str(value)]
