"""Curation: how entries get in and stay right.

- moderation: submitting, and the curators' decisions (approve, reject, retire, merge)
- suggestions: edit suggestions from anyone, applied by a curator
- stewardship: stewards, who keep an entry current, and their claims
- review: what waits for the curators, and how long it takes
- reminders, digest: the steward's verification reminders, the curators' daily digest
- notifications, proposals: the site's email, and what a submission proposes in words
- duplicates: the same proposed text sent again under another tag
"""
