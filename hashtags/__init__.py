"""The registry of healthcare hashtags (docs/architecture.md has the whole map).

The registry itself sits at the top of the package: validators (what a hashtag is),
records and entries (an entry's fields, and the one way to write one), schedules and
calendar (chats in time), published (the stored documents every reader reads), counts,
search and filters, and models/. The packages around it: curation/, admin/, opendata/,
activity/, api/ and serving/.
"""
