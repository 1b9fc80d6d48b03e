"""Search on PostgreSQL: an entry's name and description are indexed in its own
language's text-search configuration (english, spanish, french, portuguese, german;
`simple`, words as written, for any other), so that a search in the visitor's language
finds its words' other forms ("corazón" finds "corazones"). Tags, aliases and category
names are indexed as before. A no-op on other databases."""

from django.db import migrations

FORWARD = """
-- PL/pgSQL, not SQL: its expression is planned once per session, where a SQL function
-- called from the entry's trigger is planned again for every row written.
CREATE OR REPLACE FUNCTION hashtags_search_config(entry_language text)
RETURNS regconfig LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN CASE lower(split_part(coalesce(entry_language, ''), '-', 1))
        WHEN 'en' THEN 'english'
        WHEN 'es' THEN 'spanish'
        WHEN 'fr' THEN 'french'
        WHEN 'pt' THEN 'portuguese'
        WHEN 'de' THEN 'german'
        ELSE 'simple'
    END::regconfig;
END $$;

CREATE OR REPLACE FUNCTION hashtags_search_document(
    entry_id bigint, entry_tag text, entry_name text, entry_description text,
    entry_language text
) RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT
        setweight(to_tsvector('simple', coalesce(entry_tag, '') || ' ' || coalesce(
            (SELECT string_agg(i.tag, ' ') FROM hashtags_identity i
              WHERE i.hashtag_id = entry_id AND i.is_alias), '')), 'A')
     || setweight(to_tsvector(hashtags_search_config(entry_language),
            coalesce(entry_name, '')), 'B')
     || setweight(to_tsvector('english', coalesce(
            (SELECT string_agg(c.name, ' ') FROM hashtags_hashtag_categories hc
               JOIN hashtags_category c ON c.id = hc.category_id
              WHERE hc.hashtag_id = entry_id), '')), 'C')
     || setweight(to_tsvector(hashtags_search_config(entry_language),
            coalesce(entry_description, '')), 'D')
$$;

CREATE OR REPLACE FUNCTION hashtags_hashtag_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := hashtags_search_document(
        NEW.id, NEW.tag, NEW.name, NEW.description, NEW.language);
    RETURN NEW;
END $$;

UPDATE hashtags_hashtag SET search_document = hashtags_search_document(
    id, tag, name, description, language)
WHERE hashtags_search_config(language) <> 'english'::regconfig;
"""

BACKWARD = """
CREATE OR REPLACE FUNCTION hashtags_hashtag_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_document := hashtags_search_document(
        NEW.id, NEW.tag, NEW.name, NEW.description);
    RETURN NEW;
END $$;

UPDATE hashtags_hashtag SET search_document = hashtags_search_document(
    id, tag, name, description)
WHERE hashtags_search_config(language) <> 'english'::regconfig;

DROP FUNCTION IF EXISTS hashtags_search_document(bigint, text, text, text, text);
DROP FUNCTION IF EXISTS hashtags_search_config(text);
"""


def forward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("hashtags", "0025_published_terms"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
