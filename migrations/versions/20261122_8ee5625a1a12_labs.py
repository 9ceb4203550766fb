"""Technieklokaal labs, their timetables (periods) and closures; activities and sessions may belong to a lab.

Revision ID: 8ee5625a1a12
Revises: 3a8dde180cfa
Create Date: 2026-11-22 00:31:44.468790

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8ee5625a1a12'
down_revision = '3a8dde180cfa'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('labs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('capacity_pupils', sa.Integer(), nullable=False),
    sa.Column('classes_at_once', sa.Integer(), nullable=False),
    sa.Column('equipment', sa.Text(), nullable=True),
    sa.Column('contact_name', sa.String(length=120), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('contact_email', sa.String(length=254), nullable=True),
    sa.Column('holiday_region', sa.Enum('noord', 'midden', 'zuid', 'flanders', name='holiday_region', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('capacity_pupils > 0 AND capacity_pupils <= 60', name=op.f('ck_labs_capacity_range')),
    sa.CheckConstraint('classes_at_once >= 1 AND classes_at_once <= 4', name=op.f('ck_labs_classes_range')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_labs_partner_id_partners'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_labs')),
    sa.UniqueConstraint('partner_id', 'name', name=op.f('uq_labs_partner_id_name'))
    )
    with op.batch_alter_table('labs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_labs_partner_id'), ['partner_id'], unique=False)

    op.create_table('lab_closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_lab_closures_ends_after_start')),
    sa.ForeignKeyConstraint(['lab_id'], ['labs.id'], name=op.f('fk_lab_closures_lab_id_labs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_closures'))
    )
    with op.batch_alter_table('lab_closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_closures_lab_id'), ['lab_id'], unique=False)

    op.create_table('lab_periods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_lab_periods_ends_after_start')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_lab_periods_weekday_range')),
    sa.ForeignKeyConstraint(['lab_id'], ['labs.id'], name=op.f('fk_lab_periods_lab_id_labs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_periods')),
    sa.UniqueConstraint('lab_id', 'school_year', 'weekday', 'name', name=op.f('uq_lab_periods_lab_id_school_year_weekday_name'))
    )
    with op.batch_alter_table('lab_periods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_periods_lab_id'), ['lab_id'], unique=False)

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lab_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_activities_lab_id'), ['lab_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_activities_lab_id_labs'), 'labs', ['lab_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lab_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sessions_lab_id'), ['lab_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sessions_lab_id_labs'), 'labs', ['lab_id'], ['id'], ondelete='RESTRICT')



    if op.get_bind().dialect.name == 'postgresql':
        # One room, one session at a time: an exclusion constraint over the lab and the time range.
        # btree_gist (trusted, like pg_trgm) lets the integer lab_id take part in a GiST index.
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gist')
        op.execute(
            "ALTER TABLE sessions ADD CONSTRAINT ex_sessions_no_overlap_in_lab EXCLUDE USING gist "
            "(lab_id WITH =, tstzrange(starts_at, ends_at) WITH &&) "
            "WHERE (status = 'scheduled' AND lab_id IS NOT NULL)"
        )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE sessions DROP CONSTRAINT ex_sessions_no_overlap_in_lab')

    
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sessions_lab_id_labs'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sessions_lab_id'))
        batch_op.drop_column('lab_id')

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_activities_lab_id_labs'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_activities_lab_id'))
        batch_op.drop_column('lab_id')

    with op.batch_alter_table('lab_periods', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_periods_lab_id'))

    op.drop_table('lab_periods')
    with op.batch_alter_table('lab_closures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_closures_lab_id'))

    op.drop_table('lab_closures')
    with op.batch_alter_table('labs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_labs_partner_id'))

    op.drop_table('labs')

