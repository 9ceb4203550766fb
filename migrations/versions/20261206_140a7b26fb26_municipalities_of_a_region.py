"""The municipalities of a region, by DUO's names: the DUO school import keeps to them.

Revision ID: 140a7b26fb26
Revises: 0bf7c306f19b
Create Date: 2026-12-06 21:54:41.253419

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '140a7b26fb26'
down_revision = '0bf7c306f19b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('region_municipalities',
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_region_municipalities_region_id_regions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('region_id', 'name', name=op.f('pk_region_municipalities'))
    )


def downgrade():
    op.drop_table('region_municipalities')
