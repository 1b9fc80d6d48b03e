"""Writing registry entries: the one way in.

Every path that writes an entry — a submission (the form and the API), a curator's
create and update (the API and the admin), the importer and `seed_demo` — goes through
`prepare()` and `write()` here, or through the small functions built on them (`create`,
`update`, and `hashtags.curation.moderation.submit_hashtag`). So the rules live once:

- `Entry` is the one shape of an entry's data: its own fields and its lists (categories,
  platforms, aliases, chats, moderators). A new field of `Hashtag` that people enter is
  added to the model, a migration, `Entry`, the API's output serializer and the entry
  template; the form, the API's input, the export, the import and the submission's
  record derive their fields from `Entry`.
- `prepare()` validates everything at once, without writing, and raises one
  ValidationError keyed by field (`chats[0].start_time` for nested ones).
- `write()` writes only what differs from what is stored, each record saved with its
  history (who, and why), inside the caller's transaction. The database's unique
  identity index settles a race between two spellings of one tag; the loser hears the
  same message validation would have given.
- Both have a batched form, which the single form is: `prepare(known=Known(...))` reads
  what validation needs for many entries at once, and `write_many()` (`write()` is it for
  one entry) gives each table a few statements whatever the number of entries (the
  importer writes hundreds of rows at once this way). Bulk writes send no signals: the
  history rows and the cached pages' expiry are written here explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Unpack

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords

from hashtags import published, schedules
from hashtags.models import (
    MAX_CHATS,
    MAX_HOSTS,
    PUBLIC_STATUSES,
    Category,
    Chat,
    ChatPause,
    Hashtag,
    HashtagModerator,
    Identity,
    Moderator,
    Platform,
    Status,
    TimeZone,
    held_by,
    identity_taken_message,
    lookalike_message,
    looks_like,
)
from hashtags.records import (  # noqa: F401 - the write path's vocabulary, named here too
    ACCOUNT_FIELDS,
    CHAT_COLUMNS,
    CHAT_FIELDS,
    CURATOR_FIELDS,
    FIELDS,
    LISTS,
    MODERATOR_FIELDS,
    OWN_FIELDS,
    PAUSE_FIELDS,
    Entry,
    _plain,
    account_record,
    chat_record,
    moderator_record,
    pause_record,
    stored_aliases,
    stored_record,
)
from hashtags.serving import expiry
from hashtags.validators import clean_tag, looks_alike, skeletons, tag_key

# --- Validation -----------------------------------------------------------------------


def _errors_at(prefix: str, index: int, error: ValidationError) -> dict[str, list[str]]:
    """Nested errors named by position, e.g. chats[0].start_time, so each says where."""
    if hasattr(error, "error_dict"):
        return {
            f"{prefix}[{index}].{field}" if field != "__all__" else f"{prefix}[{index}]": messages
            for field, messages in error.message_dict.items()
        }
    return {f"{prefix}[{index}]": error.messages}


def _as_chat(hashtag: Hashtag, data: Mapping[str, Any]) -> Chat:
    values = {key: data[key] for key in CHAT_COLUMNS if data.get(key) is not None}
    zone = values.pop("timezone", None)
    if zone is not None:
        values["timezone_id"] = zone.pk if isinstance(zone, models.Model) else zone
    for name in ("weekdays", "month_weeks"):
        if isinstance(values.get(name), list | tuple):
            values[name] = ",".join(str(item) for item in values[name])
    if isinstance(values.get("cancelled_dates"), list | tuple):
        # Stored as ISO dates; Chat.clean() checks and sorts them.
        values["cancelled_dates"] = [_plain(day) for day in values["cancelled_dates"]]
    return Chat(hashtag=hashtag, **values)


def _as_pause(data: Any) -> ChatPause:
    if isinstance(data, ChatPause):
        return ChatPause(starts_on=data.starts_on, ends_on=data.ends_on, note=data.note)
    if not isinstance(data, Mapping):
        raise ValidationError(_('Give a break as {"from": date, "until": date or null, "note"}.'))
    unknown = sorted(set(data) - set(PAUSE_FIELDS))
    if unknown:
        raise ValidationError(
            _("Unknown field(s): %(fields)s.") % {"fields": ", ".join(map(str, unknown))}
        )
    return ChatPause(
        starts_on=data.get("from"), ends_on=data.get("until"), note=data.get("note") or ""
    )


def validate_pauses(chat: Chat, pauses: Sequence[Any]) -> list[ChatPause]:
    """The chat's breaks, each valid, in date order, none overlapping another and all
    within the chat's life; errors named pauses[i].from/until/note."""
    result, errors = [], {}
    for index, data in enumerate(pauses):
        try:
            pause = _as_pause(data)
            pause.full_clean(exclude=["chat"])
        except ValidationError as error:
            errors.update(_errors_at("pauses", index, error))
            continue
        if chat.starts_on and pause.starts_on < chat.starts_on:
            errors[f"pauses[{index}].from"] = [_("A break cannot start before the chat does.")]
        elif chat.ends_on and pause.starts_on > chat.ends_on:
            errors[f"pauses[{index}].from"] = [_("A break cannot start after the chat's end.")]
        result.append(pause)
    if errors:
        raise ValidationError(errors)
    result.sort(key=lambda pause: pause.starts_on)
    for before, after in pairwise(result):
        if before.ends_on is None or before.ends_on >= after.starts_on:
            raise ValidationError(
                {
                    "pauses": _("The breaks from %(first)s and %(second)s overlap.")
                    % {"first": before.starts_on, "second": after.starts_on}
                }
            )
    return result


def _at_most(field: str, given: Sequence[Any], limit: int, what: str) -> None:
    if len(given) > limit:
        values = {"limit": limit, "count": len(given)}
        if what == "hosts":
            message = ngettext(
                "At most %(limit)s host (got %(count)s).",
                "At most %(limit)s hosts (got %(count)s).",
                limit,
            )
        else:
            message = ngettext(
                "At most %(limit)s chat (got %(count)s).",
                "At most %(limit)s chats (got %(count)s).",
                limit,
            )
        raise ValidationError({field: [message % values]})


def validate_chats(
    hashtag: Hashtag, chats: Sequence[Mapping[str, Any]], known: Known
) -> list[Chat]:
    _at_most("chats", chats, MAX_CHATS, "chats")
    objects, errors = [], {}
    planned = [_as_chat(hashtag, data) for data in chats]
    for index, (data, chat) in enumerate(zip(chats, planned, strict=True)):
        problems: dict[str, list[str]] = {}
        try:
            # A zone read already (`known`) is not looked up again by the chat's own check.
            chat.full_clean(
                exclude=["hashtag", *(["timezone"] if chat.timezone_id in known.zones else [])]
            )
        except ValidationError as error:
            problems.update(error.message_dict)
        try:
            chat.planned_pauses = validate_pauses(chat, data.get("pauses") or ())
        except ValidationError as error:
            chat.planned_pauses = []
            problems.update(error.message_dict)
        if not problems:
            try:
                schedules.validate_dates(chat)
            except ValidationError as error:
                problems.update(error.message_dict)
        if problems:
            errors.update(_errors_at("chats", index, ValidationError(problems)))
        objects.append(chat)
    if errors:
        raise ValidationError(errors)
    return objects


def validate_moderators(
    moderators: Sequence[Mapping[str, Any]], known: Known
) -> list[tuple[Moderator, HashtagModerator]]:
    _at_most("moderators", moderators, MAX_HOSTS, "hosts")
    result, errors = [], {}
    accounts: dict[tuple[str, str], str] = {}
    for index, data in enumerate(moderators):
        platform = data.get("platform") or "x"
        moderator = Moderator(
            handle=str(data.get("handle") or "").strip().lstrip("@"),
            display_name=data.get("display_name") or "",
            platform_id=platform.pk if isinstance(platform, Platform) else platform,
            profile_url=data.get("profile_url") or "",
        )
        link = HashtagModerator(
            moderator=moderator,
            role=data.get("role") or "host",
            since=data.get("since"),
            until=data.get("until"),
        )
        try:
            moderator.full_clean(
                validate_constraints=False,
                exclude=["platform"] if moderator.platform_id in known.platforms else [],
            )
            link.full_clean(exclude=["hashtag", "moderator"])
        except ValidationError as error:
            errors.update(_errors_at("moderators", index, error))
        account = (moderator.handle.lower(), moderator.platform_id)
        twin = next(
            (
                handle
                for (_lowered, platform), handle in accounts.items()
                if platform == moderator.platform_id and looks_alike(handle, moderator.handle)
            ),
            None,
        )
        if account in accounts:
            errors[f"moderators[{index}]"] = [
                _("@%(handle)s on %(platform)s is listed twice.")
                % {"handle": moderator.handle, "platform": moderator.platform_id}
            ]
        elif twin is not None:
            # 'Соlin_Hung' in Cyrillic beside 'Colin_Hung': one imitates the other.
            errors[f"moderators[{index}].handle"] = [
                _(
                    "@%(handle)s looks like @%(twin)s, listed above on "
                    "%(platform)s: list each account once, as it is spelled there."
                )
                % {"handle": moderator.handle, "twin": twin, "platform": moderator.platform_id}
            ]
        accounts.setdefault(account, moderator.handle)
        result.append((moderator, link))
    if errors:
        raise ValidationError(errors)
    return result


def check_identity(
    tag: str, *, owner: Hashtag | None = None, candidates: list[Identity] | None = None
) -> None:
    """Raise a ValidationError on `tag` when another entry's tag or alias holds its identity.

    Checked before anything is written so people hear it plainly; the unique index still
    judges at save time, which is what settles a race. `candidates`: the identities that
    may clash, when read already (`Known`).
    """
    if candidates is None:
        candidates = Identity.objects.candidates([tag])
    others = [c for c in candidates if owner is None or not held_by(c, owner)]
    key = tag_key(tag)
    existing = next((c for c in others if c.key == key), None)
    if existing is not None:
        raise ValidationError({"tag": identity_taken_message(existing)}, code="duplicate")
    existing = next((c for c in others if looks_like(c, tag)), None)
    if existing is not None:
        raise ValidationError({"tag": lookalike_message(existing, tag_key(tag))}, code="lookalike")


def validate_aliases(hashtag: Hashtag, aliases: Sequence[str], known: Known) -> list[str]:
    """The aliases in their display form; each must be a valid tag, not the entry's own
    (nor look like it), given once, and not held by another entry (nor look like one)."""
    cleaned, problems = [], []
    own_key = tag_key(hashtag.tag) if hashtag.tag else None
    seen: dict[str, str] = {}
    for raw in aliases:
        try:
            alias = clean_tag(raw)
        except ValidationError as error:
            problems.append(f"#{raw}: {' '.join(error.messages)}")
            continue
        key = tag_key(alias)
        twin = next((other for other in seen.values() if looks_alike(other, alias)), None)
        if key == own_key:
            problems.append(f"#{alias} is the entry's own tag.")
        elif key in seen:
            problems.append(f"#{seen[key]} and #{alias} are the same hashtag.")
        elif hashtag.tag and looks_alike(hashtag.tag, alias):
            problems.append(f"#{alias} looks like the entry's own tag, #{hashtag.tag}.")
        elif twin is not None:
            problems.append(f"#{twin} and #{alias} look alike; keep one.")
        else:
            try:
                check_identity(alias, owner=hashtag, candidates=known.candidates(alias))
            except ValidationError as error:
                problems.extend(error.message_dict["tag"])
                continue
            seen[key] = alias
            cleaned.append(alias)
    if problems:
        raise ValidationError({"aliases": problems})
    return cleaned


def _platform_codes(platforms: Sequence[str | Platform], known: Known) -> list[str]:
    codes = list(
        dict.fromkeys(
            p.pk if isinstance(p, Platform) else str(p).strip().lower() for p in platforms
        )
    )
    unknown = [code for code in codes if code not in known.platforms]
    if unknown:
        every = ", ".join(known.platforms)
        raise ValidationError(
            {
                "platforms": _("Unknown platform: %(codes)s. Use %(every)s.")
                % {"codes": ", ".join(unknown), "every": every}
            }
        )
    return codes


def _zone_name(value: Any) -> str | None:
    return value.pk if isinstance(value, models.Model) else value


def _listed(value: Any) -> Sequence[Any]:
    # What is not a list yet is refused by the checks that read it: nothing to look up.
    return value if isinstance(value, list | tuple) else ()


def _cleaned(tag: Any) -> str | None:
    try:
        return clean_tag(str(tag))
    except ValidationError:
        return None


class Known:
    """What validating entries reads from the database, read once for many entries (an
    import reads it per batch of rows, a single entry for itself) rather than once per
    check: the identities their tags and aliases may clash with, the platforms, and the
    time zones their chats name. The rules stay with the records that state them
    (`Hashtag.identity_clashes`, `check_identity`, the models' validators); this only
    answers their questions.

    An entry accepted earlier in a batch holds its planned names here (`hold`), so a
    later entry of the batch is judged as if the earlier one were written.
    """

    def __init__(self, entries: Sequence[Mapping[str, Any]]) -> None:
        tags = [
            _cleaned(tag)
            for data in entries
            for tag in [data.get("tag"), *_listed(data.get("aliases"))]
            if tag
        ]
        zones = {
            _zone_name(chat.get("timezone"))
            for data in entries
            for chat in _listed(data.get("chats"))
            if isinstance(chat, Mapping) and isinstance(_zone_name(chat.get("timezone")), str)
        }
        self.platforms: list[str] = list(Platform.objects.values_list("code", flat=True))
        self.zones: set[str] = (
            set(TimeZone.objects.filter(name__in=zones).values_list("name", flat=True))
            if zones
            else set()
        )
        self._index: dict[tuple[str, str | None], list[Identity]] = {}
        self._held: dict[int, list[Identity]] = {}
        for identity in Identity.objects.candidates(tag for tag in tags if tag):
            self._add(identity)

    def _add(self, identity: Identity) -> None:
        for name in ("key", "skeleton", "key_skeleton"):
            self._index.setdefault((name, getattr(identity, name)), []).append(identity)
        self._held.setdefault(id(identity.hashtag), []).append(identity)
        if identity.hashtag_id is not None:
            self._held.setdefault(identity.hashtag_id, []).append(identity)

    def candidates(self, tag: str) -> list[Identity]:
        """The identities known that hold `tag`'s key or look like it, ordered by key."""
        # A skeleton of either form against both columns (`validators.skeletons`).
        wanted = [("key", tag_key(tag))] + [
            (column, value) for value in skeletons(tag) for column in ("skeleton", "key_skeleton")
        ]
        found = {
            id(identity): identity
            for name, value in wanted
            for identity in self._index.get((name, value), ())
        }
        return sorted(found.values(), key=lambda identity: identity.key)

    def hold(self, hashtag: Hashtag, aliases: Sequence[str]) -> None:
        """The entry's names are now its tag and these aliases (a plan accepted)."""
        gone = self._held.pop(hashtag.pk, []) if hashtag.pk is not None else []
        gone += self._held.pop(id(hashtag), [])
        for identity in gone:
            for name in ("key", "skeleton", "key_skeleton"):
                same = self._index.get((name, getattr(identity, name)), [])
                if identity in same:
                    same.remove(identity)
        if not hashtag.is_live:
            return
        for tag, is_alias in [(hashtag.tag, False), *((alias, True) for alias in aliases)]:
            identity = Identity(hashtag=hashtag, tag=tag, is_alias=is_alias)
            identity.fill_identity()
            self._add(identity)


@dataclass
class Plan:
    """A validated entry: what it should be. A list left as None keeps what is stored."""

    hashtag: Hashtag
    categories: list[Category] | None = None
    platforms: list[str] | None = None
    aliases: list[str] | None = None
    chats: list[Chat] | None = None
    moderators: list[tuple[Moderator, HashtagModerator]] | None = None


def prepare(
    hashtag: Hashtag | None = None,
    *,
    exclude: Sequence[str] = (),
    known: Known | None = None,
    **changes: Unpack[Entry],
) -> Plan:
    """Validate `changes` over `hashtag` (a new entry when None) without writing.

    Raises one ValidationError with every problem, keyed by field. The caller sets the
    status and anything else it decides before calling (it is validated with the rest);
    `exclude` names model fields the caller fills after validation (timestamps). `known`:
    what validation reads, read already for many entries (see `Known`).
    """
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("This field cannot be set here.")))
    entry = hashtag if hashtag is not None else Hashtag()
    for name in OWN_FIELDS:
        if name not in changes:
            continue
        value = changes[name]
        if value is None and name not in _NULLABLE:
            value = ""
        if name == "language" and not value and entry.pk is None:
            continue  # a new entry's language defaults to English
        if name == "replaced_by":
            continue
        setattr(entry, name, value)
    plan = Plan(entry)
    errors: dict[str, list[str]] = {}
    if "replaced_by" in changes:
        try:
            entry.replaced_by = _successor(changes["replaced_by"])
        except ValidationError as error:
            errors["replaced_by"] = error.messages
    if known is None:
        known = Known([{"tag": entry.tag, **changes}])
    found: dict[str, list[str]] = {}
    # A reference the change does not set (the approving curator, the last check's) was
    # judged when it was set: not asked for again.
    untouched = [
        field.name
        for field in Hashtag._meta.concrete_fields
        if field.is_relation and field.name not in changes and entry.pk is not None
    ]
    checks = (
        lambda: entry.full_clean(exclude=[*exclude, *untouched], validate_unique=False),
        # Then the unique checks, as full_clean makes them, with the identities read.
        lambda: entry.validate_unique(exclude, candidates=known.candidates(entry.tag)),
    )
    for check in checks:
        try:
            check()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                found.setdefault(name, []).extend(messages)
    for name, messages in found.items():
        errors.setdefault(name, messages)

    for name in LISTS:
        if name not in changes:
            continue
        try:
            setattr(plan, name, validate_list(entry, name, changes[name], known))
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return plan


def validate_list(
    entry: Hashtag, name: str, value: Sequence[Any] | None, known: Known | None = None
) -> list:
    """One of the entry's lists (categories, platforms, aliases, chats, moderators) as
    `prepare` judges it; the admin's inline lists are judged here too. `known`: what the
    checks read, when read already for many entries at once."""
    if known is None:
        known = Known([{"tag": entry.tag, name: value}])
    steps = {
        "categories": lambda value: list(dict.fromkeys(value)),
        "platforms": lambda value: _platform_codes(value, known),
        "aliases": lambda value: validate_aliases(entry, value, known),
        "chats": lambda value: validate_chats(entry, value, known),
        "moderators": lambda value: validate_moderators(value, known),
    }
    return steps[name](value or ())


def _successor(value: str | Hashtag | None) -> Hashtag | None:
    """The public entry a retired one names as its successor, given by tag or alias
    (`Hashtag.clean` judges whether it may be named)."""
    if value in (None, ""):
        return None
    if isinstance(value, Hashtag):
        return value
    found = Hashtag.objects.public().resolve(str(value))
    if found is None:
        raise ValidationError(
            _("#%(tag)s is not a public entry.") % {"tag": str(value).lstrip("#")[:100]}
        )
    return found


_NULLABLE = frozenset(
    field.name for field in Hashtag._meta.concrete_fields if field.null and field.name in FIELDS
)


# --- Writing --------------------------------------------------------------------------


def recorded(obj: models.Model, user: Any, reason: str = "") -> models.Model:
    """`obj`, marked so that its next save or delete records who (when known) and why in
    its history: `recorded(chat, curator, "Changed").save()`."""
    if user is not None:
        obj._history_user = user
    if reason:
        obj._change_reason = reason[:100]
    return obj


def save_as(obj: models.Model, user: Any, reason: str = "") -> None:
    recorded(obj, user, reason).save()


def _history(model: type[models.Model], objs: Sequence[Any], kind: str, user: Any, reason: str):
    """The history rows of these objects' saves (`kind` "+" or "~"), in one statement:
    what saving each with `recorded(obj, user, reason)` records, for many at once."""
    if not objs:
        return []
    for obj in objs:
        recorded(obj, user, reason)
    return model.history.bulk_history_create(objs, update=kind == "~", default_change_reason=None)


def _delete(objs: Sequence[models.Model], user: Any, reason: str) -> None:
    # One by one, so that each row's history (and whatever it cascades to) records who
    # and why: entries rarely lose chats, breaks, aliases or hosts.
    for obj in objs:
        recorded(obj, user, reason).delete()


def _update(model: type[models.Model], objs: Sequence[models.Model], fields: Sequence[str]):
    """Store these fields of these stored rows in one statement: an INSERT … ON CONFLICT
    on the primary key, each row's values given once (`bulk_update` writes a CASE with a
    branch per row for every field, which costs the square of the rows)."""
    model._default_manager.bulk_create(
        objs, update_conflicts=True, unique_fields=["pk"], update_fields=list(fields)
    )


class _Writes:
    """The rows one table gets from a batch of entries: created, changed (`fields`) and
    deleted, each kind in a few statements, with their history."""

    def __init__(self, model: type[models.Model], fields: Sequence[str] = ()) -> None:
        self.model, self.fields = model, list(fields)
        self.created: list[models.Model] = []
        self.changed: list[models.Model] = []
        self.deleted: list[models.Model] = []

    def apply(self, user: Any, reason: str) -> None:
        _delete(self.deleted, user, reason)
        if self.changed:
            _update(self.model, self.changed, self.fields)
            _history(self.model, self.changed, "~", user, reason)
        if self.created:
            self.model._default_manager.bulk_create(self.created)
            _history(self.model, self.created, "+", user, reason)


def _stored(hashtags: Sequence[Hashtag], relation: str, queryset: models.QuerySet) -> dict:
    """Each stored entry's rows of `relation` (prefetched ones as they are, the others'
    in one query): {entry id: [rows]}."""
    found: dict[int, list] = {}
    missing = []
    for hashtag in hashtags:
        cache = getattr(hashtag, "_prefetched_objects_cache", {})
        if relation in cache:
            found[hashtag.pk] = list(cache[relation])
        else:
            missing.append(hashtag.pk)
            found[hashtag.pk] = []
    if missing:
        for row in queryset.filter(hashtag_id__in=missing):
            found[row.hashtag_id].append(row)
    return found


def _save_entries(hashtags: Sequence[Hashtag], created: set[int], user: Any, reason: str) -> None:
    """Insert the new entries and update the others (every column a person or a curator
    sets), then hold their identities, as `Hashtag.save` would."""
    new = [hashtag for hashtag in hashtags if id(hashtag) in created]
    stored = [hashtag for hashtag in hashtags if id(hashtag) not in created]
    now = timezone.now()
    for hashtag in stored:
        hashtag.key = tag_key(hashtag.tag)
        hashtag.updated = now  # auto_now, which bulk_update leaves alone
    try:
        with transaction.atomic():
            Hashtag.objects.bulk_create(new)
            _update(Hashtag, stored, _ENTRY_COLUMNS)
            Hashtag.sync_identities(hashtags, created=created)
    except IntegrityError:
        # Lost a race to another spelling of the same tag: say so, as validation would.
        for hashtag in hashtags:
            check_identity(hashtag.tag, owner=hashtag)
        raise


# What a write stores of the entry itself (the search document is the database's).
_ENTRY_COLUMNS = [
    field.name
    for field in Hashtag._meta.concrete_fields
    if not field.primary_key and field.name not in ("search_document", "created")
]


def _write_links(plans: Sequence[Plan], name: str, created: set[int]) -> None:
    """An entry's categories or platforms, as `.set()` would leave them, for many entries:
    the links that go deleted in one statement, the new ones inserted in one."""
    field = Hashtag._meta.get_field(name)
    through = field.remote_field.through
    target = field.m2m_target_field_name()
    column = f"{field.m2m_reverse_field_name()}_id"
    given = [plan for plan in plans if getattr(plan, name) is not None]
    stored: dict[int, dict[Any, int]] = {plan.hashtag.pk: {} for plan in given}
    existing = [plan.hashtag.pk for plan in given if id(plan.hashtag) not in created]
    if existing:
        for row in through.objects.filter(hashtag_id__in=existing):
            stored[row.hashtag_id][getattr(row, column)] = row.pk
    gone, added = [], []
    for plan in given:
        wanted = {
            getattr(value, target) if isinstance(value, models.Model) else value
            for value in getattr(plan, name)
        }
        links = stored[plan.hashtag.pk]
        gone += [pk for value, pk in links.items() if value not in wanted]
        added += [
            through(hashtag_id=plan.hashtag.pk, **{column: value})
            for value in sorted(wanted - set(links))
        ]
    if gone:
        through.objects.filter(pk__in=gone).delete()
    if added:
        through.objects.bulk_create(added)


def _entry_history(hashtags: Sequence[Hashtag], created: set[int], user: Any, reason: str) -> None:
    """One history row per entry written, with its categories and platforms as written
    (what simple-history keeps of a save, for many entries)."""
    new = [hashtag for hashtag in hashtags if id(hashtag) in created]
    stored = [hashtag for hashtag in hashtags if id(hashtag) not in created]
    rows = [
        *_history(Hashtag, new, "+", user, reason),
        *_history(Hashtag, stored, "~", user, reason),
    ]
    by_entry = {row.id: row for row in rows}
    for field in Hashtag.history.model._history_m2m_fields:
        through = field.remote_field.through
        kept = HistoricalRecords.m2m_models[field]
        copies = [
            kept(
                history=by_entry[link.hashtag_id],
                **{f.attname: getattr(link, f.attname) for f in through._meta.fields},
            )
            for link in through.objects.filter(hashtag_id__in=list(by_entry)).order_by("pk")
        ]
        kept.objects.bulk_create(copies)


def _write_aliases(plans: Sequence[Plan], created: set[int], user: Any, reason: str) -> None:
    given = [plan for plan in plans if plan.aliases is not None]
    stored = _stored(
        [plan.hashtag for plan in given if id(plan.hashtag) not in created],
        "alias_list",
        Identity.objects.filter(is_alias=True).order_by("key"),
    )
    writes = _Writes(Identity, ["tag", "key", "skeleton", "key_skeleton"])
    for plan in given:
        hashtag = plan.hashtag
        wanted = {tag_key(alias): alias for alias in plan.aliases}
        for alias in stored.get(hashtag.pk, []):
            tag = wanted.pop(alias.key, None)
            if tag is None:
                writes.deleted.append(alias)
            elif alias.tag != tag:
                alias.tag = tag
                alias.fill_identity()
                writes.changed.append(alias)
        # Saved as an Identity rather than through the Alias proxy: the history is kept
        # on Identity.
        writes.created += [
            Identity(hashtag=hashtag, tag=tag, is_alias=True) for tag in wanted.values()
        ]
    writes.apply(user, reason)


def _pair(stored: list, wanted: list, record: Any) -> tuple[list, list]:
    """Pair each wanted record with a stored row: an identical one first (so an unchanged
    row is not written, whatever its place in the list), then the rest in order. Returns
    the stored row (or None, to create) for each wanted one, and the stored rows left
    over (to delete)."""
    free = [(row, record(row)) for row in stored]
    pairs: list = [None] * len(wanted)
    for index, item in enumerate(wanted):
        key = record(item)
        match = next((entry for entry in free if entry[1] == key), None)
        if match is not None:
            pairs[index] = match[0]
            free.remove(match)
    for index in range(len(wanted)):
        if pairs[index] is None and free:
            pairs[index] = free.pop(0)[0]
    return pairs, [row for row, _key in free]


_CHAT_ATTRIBUTES = ["timezone_id" if name == "timezone" else name for name in CHAT_COLUMNS]


def _write_chats(plans: Sequence[Plan], created: set[int], user: Any, reason: str) -> None:
    # In the order entries show them (start time, then age), as an API client or a file
    # gives them back; a chat keeps its row (and its calendar UID) while it is unchanged.
    given = [plan for plan in plans if plan.chats is not None]
    stored = _stored(
        [plan.hashtag for plan in given if id(plan.hashtag) not in created],
        "chats",
        Chat.objects.prefetch_related("pauses"),
    )
    chats = _Writes(Chat, _CHAT_ATTRIBUTES)
    breaks: list[tuple[Chat, list[ChatPause]]] = []  # each chat's breaks as they should be
    for plan in given:
        hashtag = plan.hashtag
        rows = sorted(stored.get(hashtag.pk, []), key=lambda c: (c.start_time, c.pk))
        targets, surplus = _pair(rows, plan.chats, chat_record)
        for chat, target in zip(plan.chats, targets, strict=True):
            if target is None:
                chat.hashtag = hashtag
                chats.created.append(chat)
                breaks.append((chat, chat.pause_list))
                continue
            before = chat_record(target)
            if before == chat_record(chat):
                continue
            if {k: v for k, v in before.items() if k != "pauses"} != {
                k: v for k, v in chat_record(chat).items() if k != "pauses"
            }:
                for attribute in _CHAT_ATTRIBUTES:
                    setattr(target, attribute, getattr(chat, attribute))
                chats.changed.append(target)
            if before["pauses"] != [pause_record(pause) for pause in chat.pause_list]:
                breaks.append((target, chat.pause_list))
        chats.deleted += surplus
    chats.apply(user, reason)
    pauses = _Writes(ChatPause, ["starts_on", "ends_on", "note"])
    for chat, wanted in breaks:
        rows = [] if chat in chats.created else chat.pause_list
        targets, surplus = _pair(rows, wanted, pause_record)
        for pause, target in zip(wanted, targets, strict=True):
            values = {"starts_on": pause.starts_on, "ends_on": pause.ends_on, "note": pause.note}
            if target is None:
                pauses.created.append(ChatPause(chat=chat, **values))
            elif pause_record(target) != pause_record(pause):
                for name, value in values.items():
                    setattr(target, name, value)
                pauses.changed.append(target)
        pauses.deleted += surplus
    pauses.apply(user, reason)
    for chat, _wanted in breaks:
        # The chat's prefetched or planned breaks are now the stored ones.
        chat.planned_pauses = None
        if hasattr(chat, "_prefetched_objects_cache"):
            chat._prefetched_objects_cache.pop("pauses", None)


HOST_FIELDS = ("role", "since", "until")


def _accounts(
    moderators: list[Moderator], *, user: Any, reason: str, refresh: bool
) -> dict[tuple[str, str], Moderator]:
    """The stored account of each host (same handle, any case, on the same platform),
    created when missing, read in one query. With `refresh` (curators and their files),
    its handle's case, display name and profile URL are brought to the given ones; a
    public submission never changes an existing account."""
    wanted = {}
    for moderator in moderators:
        wanted.setdefault((moderator.handle.lower(), moderator.platform_id), moderator)
    found: dict[tuple[str, str], Moderator] = {}
    if wanted:
        rows = Moderator.objects.annotate(handle_lower=Lower("handle")).filter(
            handle_lower__in={handle for handle, _platform in wanted},
            platform_id__in={platform for _handle, platform in wanted},
        )
        for row in rows:
            found.setdefault((row.handle.lower(), row.platform_id), row)
    for account, moderator in wanted.items():
        if account not in found and not account[0].isascii():
            # A database may lower-case only ASCII letters: ask as the unique index does.
            row = Moderator.objects.filter(
                handle__iexact=moderator.handle, platform_id=moderator.platform_id
            ).first()
            if row is not None:
                found[account] = row
    writes = _Writes(Moderator, ["handle", "display_name", "profile_url"])
    for account, moderator in wanted.items():
        row = found.get(account)
        if row is None:
            writes.created.append(moderator)
            found[account] = moderator
        elif refresh and account_record(row) != account_record(moderator):
            row.handle = moderator.handle
            row.display_name = moderator.display_name
            row.profile_url = moderator.profile_url
            writes.changed.append(row)
    writes.apply(user, reason)
    if writes.changed:
        expiry.accounts_changed(row.pk for row in writes.changed)
    return found


def _write_hosts(
    plans: Sequence[Plan], created: set[int], user: Any, reason: str, refresh: bool
) -> None:
    given = [plan for plan in plans if plan.moderators is not None]
    accounts = _accounts(
        [moderator for plan in given for moderator, _link in plan.moderators],
        user=user,
        reason=reason,
        refresh=refresh,
    )
    stored = _stored(
        [plan.hashtag for plan in given if id(plan.hashtag) not in created],
        "hosts",
        HashtagModerator.objects.all(),
    )
    links = _Writes(HashtagModerator, HOST_FIELDS)
    for plan in given:
        hashtag = plan.hashtag
        chosen = [
            accounts[(moderator.handle.lower(), moderator.platform_id)]
            for moderator, _link in plan.moderators
        ]
        rows = sorted(stored.get(hashtag.pk, []), key=lambda link: link.pk)
        if [link.moderator_id for link in rows] == [account.pk for account in chosen]:
            for link, (_moderator, wanted) in zip(rows, plan.moderators, strict=True):
                values = {name: getattr(wanted, name) for name in HOST_FIELDS}
                if {name: getattr(link, name) for name in HOST_FIELDS} != values:
                    for name, value in values.items():
                        setattr(link, name, value)
                    links.changed.append(link)
            continue
        links.deleted += rows
        links.created += [
            HashtagModerator(
                hashtag=hashtag,
                moderator=account,
                **{name: getattr(wanted, name) for name in HOST_FIELDS},
            )
            for account, (_moderator, wanted) in zip(chosen, plan.moderators, strict=True)
        ]
    links.apply(user, reason)


def write_many(
    plans: Sequence[Plan],
    *,
    user: Any,
    reason: str,
    refresh_moderators: bool = True,
    publish: bool = True,
) -> list[Hashtag]:
    """Save the planned entries and bring each list given to a plan, writing only what
    differs, then publish those that are public (`hashtags.published`; `publish=False`
    for a caller that publishes many entries at once). Each table gets a few statements
    whatever the number of entries (an import writes hundreds at once; `write` one).
    Call inside a transaction (the callers below are atomic)."""
    hashtags = [plan.hashtag for plan in plans]
    created = {id(hashtag) for hashtag in hashtags if hashtag._state.adding}
    _save_entries(hashtags, created, user, reason)
    for name in ("categories", "platforms"):
        _write_links(plans, name, created)
    _entry_history(hashtags, created, user, reason)
    _write_aliases(plans, created, user, reason)
    _write_chats(plans, created, user, reason)
    _write_hosts(plans, created, user, reason, refresh_moderators)
    # Bulk writes send no signal: the cached pages are expired here.
    expiry.entries_written(hashtags, created=created)
    if publish:
        published.publish([hashtag.pk for hashtag in hashtags if hashtag.status in PUBLIC_STATUSES])
    return hashtags


def write(
    plan: Plan,
    *,
    user: Any,
    reason: str,
    refresh_moderators: bool = True,
    publish: bool = True,
) -> Hashtag:
    """`write_many` for one entry."""
    return write_many(
        [plan], user=user, reason=reason, refresh_moderators=refresh_moderators, publish=publish
    )[0]


# --- Curators' writes ------------------------------------------------------------------


@transaction.atomic
def create(
    *,
    curator: Any,
    reason: str = "Created by a curator",
    status: str = Status.APPROVED,
    approved_at=None,
    **entry: Unpack[Entry],
) -> Hashtag:
    """A curator's new entry, public at once (approved by that curator, which confirms
    it, as `moderation.approve` does) unless `status` says otherwise."""
    hashtag = Hashtag(status=status)
    if status in (Status.APPROVED, Status.RETIRED):
        hashtag.approved_at = approved_at or timezone.now()
        hashtag.approved_by = curator
        hashtag.last_verified = hashtag.approved_at
        hashtag.last_verified_by = curator if getattr(curator, "pk", None) else None
    plan = prepare(hashtag, **entry)
    return write(plan, user=curator, reason=reason)


@transaction.atomic
def update(
    *,
    hashtag: Hashtag,
    curator: Any,
    reason: str = "Changed by a curator",
    refresh_moderators: bool = True,
    **changes: Unpack[Entry],
) -> Hashtag:
    """Change the given fields of an entry (its status changes through moderation).
    `refresh_moderators=False` leaves existing host accounts as they are (see
    `moderator_account`)."""
    locked = Hashtag.objects.select_for_update().get(pk=hashtag.pk)
    return write(
        prepare(locked, **changes),
        user=curator,
        reason=reason,
        refresh_moderators=refresh_moderators,
    )
