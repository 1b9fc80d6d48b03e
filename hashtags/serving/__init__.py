"""How reads are served and limited.

- cache: the registry versions cached pages are keyed by
- expiry: cached pages expired once a transaction commits (the only work signals do)
- ratelimit: who a client is, and the budgets its requests spend
- routers: reads to a replica, writes to the primary
"""
