"""Activity from the open networks: is anyone still using a hashtag?

For each public entry, `manage.py refresh_activity` asks every configured network how
much the tag was used per day, and stores the answers as counts only (`DailyActivity`:
uses and accounts per entry, network, server and day; never a post or an account):

- `networks.py`: the adapter interface; one module per network (`mastodon.py`: each
  server in ACTIVITY_MASTODON_SERVERS, `GET /api/v1/tags/<tag>`; `bluesky.py`: the post
  search, only with ACTIVITY_BLUESKY_HANDLE and ACTIVITY_BLUESKY_APP_PASSWORD). X is not
  polled: it has no open API. `adapters.py` lists the networks' adapters.
- `client.py`: the HTTP client every adapter uses (a deadline per try, a cap on the body,
  no redirects, retries with backoff, the servers' rate-limit headers, a User-Agent
  naming the site).
- `refresh.py`: the run (one failing server never stops it, and is reported).
- `summary.py`: what pages, the API and the curators read: totals, series, sparkline.

Servers federate, so one Mastodon post is counted by every server that received it: a
network's use on a day is its busiest server's count (never the sum of servers), and the
networks' are added up. "Accounts" adds up each day's accounts, so a person posting on
three days counts three times: pages say "up to".
"""
