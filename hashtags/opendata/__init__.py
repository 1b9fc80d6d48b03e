"""Open data: the public registry for others to copy and follow.

- registry_io: the versioned JSON and CSV export, and the import back
- views: `/api/v1/export.json|csv` and the export's JSON Schema
- changelog: the public changes (the changes feed, its Atom feed, entry history)
- mirror: this database made a copy of another registry, kept in step
"""
