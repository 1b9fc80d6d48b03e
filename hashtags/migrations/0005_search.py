"""Search on PostgreSQL: pg_trgm, the maintained search document and its indexes.

Everything PostgreSQL-specific here is a no-op on other databases (TrigramExtension checks
the vendor itself; the RunPython steps do), so SQLite migrates as before and
`makemigrations --check` stays clean: the indexes and triggers are not model state.

- `hashtags_search_document(id, tag, name, description)` builds an entry's tsvector:
  tag and aliases weighted A ('simple' configuration: tags are names, not English words),
  name B, category names C, description D ('english': stemmed).
- Triggers keep `hashtags_hashtag.search_document` current: BEFORE INSERT/UPDATE on the
  entry computes it; alias (identity) inserts/updates/deletes, category links added or
  removed, and category renames "touch" the entries concerned (UPDATE … SET id = id), so
  bulk writes, the importer and raw SQL keep it current too.
- Indexes: GIN on the document; GIN trigram on identity keys (typo tolerance, and LIKE
  'x%' for prefixes); btree varchar_pattern_ops on identity keys (prefix match under any
  collation; the hashtag key's own `_like` index exists already via db_index).
"""

import django.contrib.postgres.search
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION hashtags_search_document(
    entry_id bigint, entry_tag text, entry_name text, entry_description text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT
        setweight(to_tsvector('simple', coalesce(entry_tag, '') || ' ' || coalesce(
            (SELECT string_agg(i.tag, ' ') FROM hashtags_identity i
              WHERE i.hashtag_id = entry_id AND i.is_alias), '')), 'A')
     || setweight(to_tsvector('english', coalesce(entry_name, '')), 'B')
     || setweight(to_tsvector('english', coalesce(
            (SELECT string_agg(c.name, ' ') FROM hashtags_hashtag_categories hc
               JOIN hashtags_category c ON c.id = hc.category_id
              WHERE hc.hashtag_id = entry_id), '')), 'C')
     || setweight(to_tsvector('english', coalesce(entry_description, '')), 'D')
$$;

CREATE OR REPLACE FUNCTION hashtags_hashtag_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := hashtags_search_document(
        NEW.id, NEW.tag, NEW.name, NEW.description);
    RETURN NEW;
END $$;

CREATE TRIGGER hashtags_hashtag_search
    BEFORE INSERT OR UPDATE ON hashtags_hashtag
    FOR EACH ROW EXECUTE FUNCTION hashtags_hashtag_search_trigger();

-- Aliases, category links: recompute the entries concerned (the BEFORE UPDATE trigger
-- above does the work when the row is touched).
CREATE OR REPLACE FUNCTION hashtags_touch_hashtag_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE hashtags_hashtag SET id = id WHERE id = OLD.hashtag_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF TG_OP = 'INSERT' OR NEW.hashtag_id IS DISTINCT FROM OLD.hashtag_id THEN
            UPDATE hashtags_hashtag SET id = id WHERE id = NEW.hashtag_id;
        END IF;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER hashtags_identity_search
    AFTER INSERT OR UPDATE OR DELETE ON hashtags_identity
    FOR EACH ROW EXECUTE FUNCTION hashtags_touch_hashtag_trigger();

CREATE TRIGGER hashtags_hashtag_categories_search
    AFTER INSERT OR UPDATE OR DELETE ON hashtags_hashtag_categories
    FOR EACH ROW EXECUTE FUNCTION hashtags_touch_hashtag_trigger();

CREATE OR REPLACE FUNCTION hashtags_category_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE hashtags_hashtag SET id = id WHERE id IN (
        SELECT hashtag_id FROM hashtags_hashtag_categories WHERE category_id = NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER hashtags_category_search
    AFTER UPDATE OF name ON hashtags_category
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION hashtags_category_search_trigger();

UPDATE hashtags_hashtag SET search_document = hashtags_search_document(
    id, tag, name, description);

-- fastupdate off: a read-mostly registry; a pending list would make every search scan it
-- (and the planner shy away from the index) until the next vacuum.
CREATE INDEX hashtag_search_document_gin ON hashtags_hashtag USING gin (search_document)
    WITH (fastupdate = off);
CREATE INDEX identity_key_trgm_gin ON hashtags_identity USING gin (key gin_trgm_ops)
    WITH (fastupdate = off);
CREATE INDEX identity_key_pattern ON hashtags_identity (key varchar_pattern_ops);
"""

BACKWARD = """
DROP INDEX IF EXISTS identity_key_pattern;
DROP INDEX IF EXISTS identity_key_trgm_gin;
DROP INDEX IF EXISTS hashtag_search_document_gin;
DROP TRIGGER IF EXISTS hashtags_category_search ON hashtags_category;
DROP TRIGGER IF EXISTS hashtags_hashtag_categories_search ON hashtags_hashtag_categories;
DROP TRIGGER IF EXISTS hashtags_identity_search ON hashtags_identity;
DROP TRIGGER IF EXISTS hashtags_hashtag_search ON hashtags_hashtag;
DROP FUNCTION IF EXISTS hashtags_category_search_trigger();
DROP FUNCTION IF EXISTS hashtags_touch_hashtag_trigger();
DROP FUNCTION IF EXISTS hashtags_hashtag_search_trigger();
DROP FUNCTION IF EXISTS hashtags_search_document(bigint, text, text, text);
"""


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("hashtags", "0004_curators_group"),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="hashtag",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forward, backward),
    ]
