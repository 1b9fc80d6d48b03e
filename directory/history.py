"""An entry's history page (/hashtags/<tag>/history/) and the Atom feeds of the registry's
changes (/changes.atom, /hashtags/<tag>/history.atom): each change told in words, from the
records before and after it (hashtags.opendata.changelog), newest first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.filters import language_name
from hashtags import schedules
from hashtags.models import Category, Change, Hashtag, Kind, Platform
from hashtags.opendata import changelog
from hashtags.records import CHAT_COLUMNS

PER_PAGE = 25
FEED_SIZE = 50

# Field names as people read them.
LABELS = {
    "name": gettext_lazy("Name"),
    "description": gettext_lazy("Description"),
    "website": gettext_lazy("Website"),
    "source": gettext_lazy("Source"),
    "place": gettext_lazy("Place"),
    "start_date": gettext_lazy("Start date"),
    "end_date": gettext_lazy("End date"),
    "status_reason": gettext_lazy("Status note"),
}
# A chat's schedule: a change to any of these is "its schedule changed".
SCHEDULE = ("frequency", "weekdays", "interval", "month_weeks", "start_time")
SCHEDULE += ("duration_minutes", "timezone")


def _day(value: str | None) -> str:
    return schedules.day_words(date.fromisoformat(value)) if value else ""


def _quoted(value: Any) -> str:
    return _("“%(value)s”") % {"value": value} if value not in (None, "") else _("nothing")


@dataclass
class Names:
    """The display names of the categories and platforms a page of changes mentions."""

    categories: dict[str, str]
    platforms: dict[str, str]

    @classmethod
    def of(cls, changes: Iterable[Change]) -> Names:
        slugs: set[str] = set()
        codes: set[str] = set()
        for change in changes:
            for record in (changelog.loads(change.before), changelog.loads(change.record)):
                if record:
                    slugs.update(record.get("categories") or ())
                    codes.update(record.get("platforms") or ())
        return cls(
            dict(Category.objects.filter(slug__in=slugs).values_list("slug", "name")),
            dict(Platform.objects.filter(code__in=codes).values_list("code", "name")),
        )


def _added_removed(before: Sequence[str], after: Sequence[str]) -> tuple[list[str], list[str]]:
    return [v for v in after if v not in before], [v for v in before if v not in after]


def _chat_sentences(before: list[Mapping], after: list[Mapping]) -> list[str]:
    """What happened to each chat, matched by title (then by position)."""
    sentences = []
    old = {chat.get("title") or f"#{n}": chat for n, chat in enumerate(before)}
    new = {chat.get("title") or f"#{n}": chat for n, chat in enumerate(after)}
    for title, chat in new.items():
        said = {"chat": _chat_name(chat, _("The chat"))}
        was = old.get(title)
        if was is None:
            sentences.append(_("%(chat)s added.") % said)
            continue
        if chat.get("ends_on") != was.get("ends_on"):
            sentences.append(
                _("%(chat)s ended on %(day)s.") % {**said, "day": _day(chat["ends_on"])}
                if chat.get("ends_on")
                else _("%(chat)s no longer has an end date.") % said
            )
        if chat.get("is_active") != was.get("is_active"):
            sentences.append(
                _("%(chat)s marked as meeting again.") % said
                if chat["is_active"]
                else _("%(chat)s paused.") % said
            )
        if any(chat.get(key) != was.get(key) for key in SCHEDULE):
            sentences.append(_("%(chat)s: schedule changed.") % said)
        added, removed = _added_removed(was.get("pauses") or [], chat.get("pauses") or [])
        for pause in added:
            if pause.get("until"):
                sentences.append(
                    _("%(chat)s: a break from %(first)s until %(last)s.")
                    % {**said, "first": _day(pause["from"]), "last": _day(pause["until"])}
                )
            else:
                sentences.append(
                    _("%(chat)s: a break from %(first)s.") % {**said, "first": _day(pause["from"])}
                )
        if removed and not added:
            sentences.append(_("%(chat)s: a break removed.") % said)
        cancelled, _removed = _added_removed(
            was.get("cancelled_dates") or [], chat.get("cancelled_dates") or []
        )
        for day in cancelled:
            sentences.append(
                _("%(chat)s: the meeting of %(day)s cancelled.") % {**said, "day": _day(day)}
            )
        rest = {"title", "ends_on", "is_active", "pauses", "cancelled_dates", *SCHEDULE}
        if any(chat.get(key) != was.get(key) for key in CHAT_COLUMNS if key not in rest):
            sentences.append(_("%(chat)s: details changed.") % said)
    for title, chat in old.items():
        if title not in new:
            sentences.append(_("%(chat)s removed.") % {"chat": _chat_name(chat, _("A chat"))})
    return sentences


def _chat_name(chat: Mapping, untitled: str) -> str:
    """A chat as a sentence names it: Chat “Weekly chat”, or `untitled`."""
    if not chat.get("title"):
        return untitled
    return _("Chat “%(title)s”") % {"title": chat.get("title")}


def _host_sentences(before: list[Mapping], after: list[Mapping]) -> list[str]:
    def account(host: Mapping) -> tuple[str, str]:
        return (host.get("handle", "").lower(), host.get("platform", ""))

    sentences = []
    old = {account(host): host for host in before}
    new = {account(host): host for host in after}
    for key, host in new.items():
        was = old.get(key)
        said = {"handle": host["handle"]}
        if was is None:
            sentences.append(_("Host @%(handle)s added.") % said)
        elif host.get("until") and not was.get("until"):
            sentences.append(
                _("Host @%(handle)s stepped down in %(year)s.") % {**said, "year": host["until"]}
            )
        elif host != was:
            sentences.append(_("Host @%(handle)s: details changed.") % said)
    for key, host in old.items():
        if key not in new:
            sentences.append(_("Host @%(handle)s removed.") % {"handle": host["handle"]})
    return sentences


def sentences(change: Change, names: Names) -> list[str]:
    """What a change did, in words."""
    before, after = changelog.loads(change.before), changelog.loads(change.record)
    if change.action == Change.Action.CREATED:
        return [_("Added to the directory.")]
    if change.action == Change.Action.MERGED:
        return [change.reason or _("Merged into another entry.")]
    if change.action == Change.Action.REMOVED:
        return [_("Removed from the directory.")]
    said: list[str] = []
    for field in change.fields:
        old, new = before.get(field), after.get(field)
        if field == "status":
            if new == "retired":
                said.append(
                    _("Retired. %(reason)s") % {"reason": after["status_reason"]}
                    if after["status_reason"]
                    else _("Retired.")
                )
            else:
                said.append(_("Restored to the directory."))
        elif field == "status_reason" and "status" in change.fields:
            continue
        elif field == "tag":
            said.append(_("Renamed from #%(old)s to #%(new)s.") % {"old": old, "new": new})
        elif field == "kind":
            said.append(
                _("Kind changed from %(old)s to %(new)s.")
                % {"old": Kind(old).label, "new": Kind(new).label}
            )
        elif field == "language":
            said.append(
                _("Language changed from %(old)s to %(new)s.")
                % {"old": language_name(old), "new": language_name(new)}
            )
        elif field == "start_date":
            said.append(
                _("Start date set to %(day)s.") % {"day": _day(new)}
                if new
                else _("Start date removed.")
            )
        elif field == "end_date":
            said.append(
                _("End date set to %(day)s.") % {"day": _day(new)}
                if new
                else _("End date removed.")
            )
        elif field == "last_verified":
            said.append(_("Confirmed accurate on %(day)s.") % {"day": _day((new or "")[:10])})
        elif field == "replaced_by":
            said.append(
                _("Now continued at #%(tag)s.") % {"tag": new}
                if new
                else _("No longer names a successor.")
            )
        elif field == "categories":
            added, removed = _added_removed(old, new)
            said += [
                _("Added to %(name)s.") % {"name": names.categories.get(slug, slug)}
                for slug in added
            ]
            said += [
                _("Removed from %(name)s.") % {"name": names.categories.get(slug, slug)}
                for slug in removed
            ]
        elif field == "platforms":
            added, removed = _added_removed(old, new)
            said += [
                _("Now listed on %(name)s.") % {"name": names.platforms.get(code, code)}
                for code in added
            ]
            said += [
                _("No longer listed on %(name)s.") % {"name": names.platforms.get(code, code)}
                for code in removed
            ]
        elif field == "aliases":
            added, removed = _added_removed(old, new)
            said += [_("Alias #%(tag)s added.") % {"tag": tag} for tag in added]
            said += [_("Alias #%(tag)s removed.") % {"tag": tag} for tag in removed]
        elif field == "chats":
            said += _chat_sentences(old, new)
        elif field == "moderators":
            said += _host_sentences(old, new)
        else:
            label = LABELS.get(field, field.replace("_", " ").capitalize())
            said.append(
                _("%(field)s changed from %(old)s to %(new)s.")
                % {"field": label, "old": _quoted(old), "new": _quoted(new)}
            )
    return said


@dataclass
class Told:
    """A change as the history page and the Atom feeds show it."""

    change: Change
    sentences: list[str]

    @property
    def by(self) -> str:
        return str(Change.Role(self.change.role).label)


def told(changes: Sequence[Change]) -> list[Told]:
    names = Names.of(changes)
    return [Told(change, sentences(change, names)) for change in changes]


# --- The history page -----------------------------------------------------------------


def _entry_for(raw: str) -> tuple[int, str, bool] | None:
    """(entry id, its tag now, whether it is public) for a tag it holds or held."""
    ids = changelog.entries_named(raw)
    if not ids:
        return None
    entry = Hashtag.objects.filter(pk__in=ids).order_by("-pk").values("pk", "tag", "status")
    row = next(iter(entry), None)
    if row is None:
        # Deleted: its last recorded name.
        last = Change.objects.filter(entry_id__in=ids).order_by("-sequence").first()
        return (last.entry_id, last.tag, False)
    return row["pk"], row["tag"], Hashtag(status=row["status"]).is_public


def history_page(request: HttpRequest, tag: str) -> HttpResponse:
    found = _entry_for(tag)
    if found is None:
        raise Http404(f"No history for #{tag}.")
    entry_id, current, public = found
    if public and tag != current:
        return HttpResponsePermanentRedirect(reverse("directory:hashtag-history", args=[current]))
    changes = changelog.history(entry_id).exclude(**changelog.ONLY_RECORD_KEEPING)
    if not public and not changes.exists():
        raise Http404(f"No history for #{tag}.")
    page = Paginator(changes, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/hashtag_history.html",
        {
            "tag": current,
            "public": public,
            "page": page,
            "changes": told(list(page.object_list)),
            "entry_url": reverse("directory:hashtag", args=[current]) if public else None,
        },
    )


# --- Atom -----------------------------------------------------------------------------


class ChangesFeed(Feed):
    """The newest changes to the public registry (all, or one entry's)."""

    feed_type = Atom1Feed
    author_name = "Healthcare Hashtag Directory"

    def get_object(self, request: HttpRequest, tag: str | None = None):
        if tag is None:
            return None
        found = _entry_for(tag)
        if found is None:
            raise Http404(f"No history for #{tag}.")
        return found

    def title(self, obj) -> str:
        if obj is None:
            return "Healthcare Hashtag Directory: changes"
        return f"Healthcare Hashtag Directory: changes to #{obj[1]}"

    def subtitle(self, obj) -> str:
        return "What curators, stewards and imports changed in the public registry."

    def link(self, obj) -> str:
        if obj is None:
            return settings.SITE_URL + "/"
        return settings.SITE_URL + reverse("directory:hashtag-history", args=[obj[1]])

    def feed_url(self, obj) -> str:
        if obj is None:
            return settings.SITE_URL + reverse("files:changes-atom")
        return settings.SITE_URL + reverse("files:hashtag-history-atom", args=[obj[1]])

    def feed_guid(self, obj) -> str:
        return self.feed_url(obj)

    def items(self, obj) -> list[Told]:
        changes = Change.objects.exclude(**changelog.ONLY_RECORD_KEEPING).order_by("-sequence")
        if obj is not None:
            changes = changes.filter(entry_id=obj[0])
        return told(list(changes[:FEED_SIZE]))

    def item_title(self, item: Told) -> str:
        return f"#{item.change.tag}: {item.change.get_action_display().lower()}"

    def item_description(self, item: Told) -> str:
        text = " ".join(item.sentences)
        return linebreaks(f"{text} (By {item.by}.)", autoescape=True)

    def item_link(self, item: Told) -> str:
        return settings.SITE_URL + reverse("directory:hashtag-history", args=[item.change.tag])

    def item_guid(self, item: Told) -> str:
        return f"{settings.SITE_URL}/api/v1/changes/#{item.change.sequence}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Told) -> datetime:
        return item.change.at

    def item_updateddate(self, item: Told) -> datetime:
        return item.change.at
