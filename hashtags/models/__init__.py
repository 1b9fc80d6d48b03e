"""The registry's models, one module per area:

- base: field types, validators and checks every model shares; kinds and statuses
- registry: hashtags, their identities and aliases, categories, platforms, time zones
- chats: chats, their breaks and hosts
- curation: submissions, stewards, reports, switches
- activity: daily use on the open networks
- published: stored documents, counts, the public changes, mirror state

Every name is imported here too, as `hashtags.models.<name>`: migrations refer to
validators and fields by that path.
"""

from hashtags.models.activity import (  # noqa: F401
    MAX_ACTIVITY_COUNT,
    ActivitySummary,
    DailyActivity,
    Network,
)
from hashtags.models.base import (  # noqa: F401
    DATES_OUT_OF_ORDER,
    EARLIEST_DATE,
    LATEST_DATE,
    LIVE_STATUSES,
    PUBLIC_STATUSES,
    ChecksInDatabase,
    Freshness,
    Kind,
    Status,
    WebURLField,
    dates_in_range,
    evidence_ends,
    evidence_limits,
    evidence_q,
    freshness_limits,
    freshness_of,
    has_evidence,
    new_reference,
    one_line_errors,
    validate_language,
    validate_no_credentials,
    validate_one_line,
    validate_registry_date,
    validate_registry_year,
)
from hashtags.models.chats import (  # noqa: F401
    CHAT_MINUTES,
    CHAT_WEEKS,
    MAX_CANCELLED_DATES,
    MAX_CHATS,
    MAX_HOSTS,
    MAX_PAUSE_DAYS,
    MEETING_STATUSES,
    WEEKDAY_ORDER,
    Chat,
    ChatPause,
    ChatQuerySet,
    ChatStatus,
    Frequency,
    HashtagModerator,
    Moderator,
    Role,
    Weekday,
    load_breaks,
    local_dates,
    validate_positions,
    validate_weekdays,
)
from hashtags.models.curation import (  # noqa: F401
    REJECT_CODE_HELP,
    CuratorDigest,
    RejectCode,
    Report,
    ReportReason,
    Steward,
    Submission,
    Switchboard,
    submissions_open,
)
from hashtags.models.published import (  # noqa: F401
    Change,
    FacetCount,
    MirrorState,
    Published,
)
from hashtags.models.registry import (  # noqa: F401
    SKELETON_FIELDS,
    Alias,
    AliasManager,
    Category,
    Hashtag,
    HashtagQuerySet,
    Identity,
    IdentityQuerySet,
    IdentitySkeleton,
    NamedByTag,
    Platform,
    TimeZone,
    held_by,
    identity_history,
    identity_taken_message,
    lookalike_message,
    looks_like,
)
