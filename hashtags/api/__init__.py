"""The REST API under /api/v1/: public reads, submissions, curator writes (docs/api.md).

serializers.py  what goes in and out        filters.py     the list's query parameters
views.py        thin viewsets over the registry's named querysets and moderation functions
(every write itself is hashtags/entries.py or hashtags/curation/moderation.py)
pagination.py   cursor pagination with a whitelisted ordering
permissions.py  who may write               throttling.py  rates from settings
parsers.py      bounded JSON bodies         errors.py      one error shape, documented
"""
