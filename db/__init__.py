"""The DuckDB store (schema, migrations, queries) — built in the store issue."""
