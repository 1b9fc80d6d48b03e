"""Submission data as a browser sends the form (`submission_data`) and as an API client
sends POST /api/v1/submissions/ (`proposal`)."""

import time

from directory.forms import sign_start


def started(seconds_ago: float = 60) -> str:
    """A signed form start time, as the page would have embedded it `seconds_ago`."""
    return sign_start(time.time() - seconds_ago)


def formset_management(prefix: str, total: int, maximum: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": str(maximum),
    }


def submission_data(**overrides) -> dict:
    tag = overrides.get("tag") or "#NewChat"
    data = {
        "tag": "#NewChat",
        "name": "A new chat",
        # Each entry its own text: the same text under another tag is refused as a
        # duplicate (hashtags.curation.duplicates).
        "description": f"A weekly chat on patient safety ({tag}).",
        "kind": "chat",
        "language": "en",
        "platforms": ["x", "bluesky"],
        "submitter_name": "Pat Submitter",
        "submitter_email": "pat@example.org",
        "homepage": "",
        "started": started(),
        **formset_management("chats", 2, 5),
        **formset_management("moderators", 3, 10),
        # One chat filled in; the second extra form left as the page showed it.
        "chats-0-frequency": "weekly",
        "chats-0-weekdays": ["TU"],
        "chats-0-interval": "1",
        "chats-0-start_time": "20:30",
        "chats-0-duration_minutes": "60",
        "chats-0-timezone": "America/New_York",
        "chats-1-frequency": "weekly",
        "chats-1-interval": "1",
        "chats-1-duration_minutes": "60",
        "moderators-0-handle": "@pat_host",
        "moderators-0-platform": "x",
        "moderators-0-role": "founder",
        "moderators-1-platform": "x",
        "moderators-1-role": "host",
        "moderators-2-platform": "x",
        "moderators-2-role": "host",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def proposal(**changes) -> dict:
    """A whole proposal for POST /api/v1/submissions/ (#PedsICU), `changes` applied."""
    data = {
        "tag": "#PedsICU",
        "name": "Pediatric intensive care",
        "description": "A monthly chat for PICU clinicians and families.",
        "kind": "chat",
        "categories": ["critical-care"],
        "platforms": ["x", "bluesky"],
        "language": "en",
        "website": "https://pedsicu.example.org/",
        "chats": [
            {
                "frequency": "monthly",
                "weekdays": ["TH"],
                "month_weeks": [1, 3],
                "start_time": "21:00",
                "duration_minutes": 60,
                "timezone": "America/New_York",
            }
        ],
        "moderators": [{"handle": "@picu_doc", "display_name": "Dr. P", "role": "founder"}],
        "submitter_name": "Pat Submitter",
        "submitter_email": "pat@example.org",
        "note": "I run it.",
    }
    data.update(changes)
    return data
