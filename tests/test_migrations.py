"""The migrations build exactly the schema the models describe, on this run's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from booking.core.types import include_in_migrations, render_migration_item
from booking.extensions import db


def schema_differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_item": render_migration_item, "include_object": include_in_migrations},
        )
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree():
    assert schema_differences() == []


def test_migrations_downgrade_to_nothing_and_back():
    downgrade(revision="base")
    with db.engine.connect() as connection:
        tables = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert schema_differences() == []
