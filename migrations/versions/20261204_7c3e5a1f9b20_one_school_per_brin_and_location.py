"""One school per BRIN and location number, a missing location number counting as one: the unique
constraint on (brin, location_number) let any number of (brin, NULL) rows through, so two
coordinators adding the same BRIN without a location at the same moment made two schools.

Fails if such duplicates already exist; merge them first.

Revision ID: 7c3e5a1f9b20
Revises: 4b1f2c9d7e3a
Create Date: 2026-12-04 19:22:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c3e5a1f9b20'
down_revision = '4b1f2c9d7e3a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.drop_constraint('uq_schools_brin_location_number', type_='unique')
    op.create_index(
        'uq_schools_brin_location_number', 'schools', ['brin', sa.text("coalesce(location_number, '')")], unique=True
    )


def downgrade():
    op.drop_index('uq_schools_brin_location_number', table_name='schools')
    with op.batch_alter_table('schools', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_schools_brin_location_number', ['brin', 'location_number'])
