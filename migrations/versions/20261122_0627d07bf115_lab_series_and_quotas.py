"""Lab lesson series (bookings grouped per class), lab quotas per school and school year, and the
number of lessons in an activity's series.

Revision ID: 0627d07bf115
Revises: 8ee5625a1a12
Create Date: 2026-11-22 01:26:03.362208

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0627d07bf115'
down_revision = '8ee5625a1a12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lab_quotas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('max_lessons', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('max_lessons >= 0', name=op.f('ck_lab_quotas_max_lessons_not_negative')),
    sa.ForeignKeyConstraint(['lab_id'], ['labs.id'], name=op.f('fk_lab_quotas_lab_id_labs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_lab_quotas_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_quotas')),
    sa.UniqueConstraint('lab_id', 'school_id', 'school_year', name=op.f('uq_lab_quotas_lab_id_school_id_school_year'))
    )
    with op.batch_alter_table('lab_quotas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_quotas_lab_id'), ['lab_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lab_quotas_school_id'), ['school_id'], unique=False)

    op.create_table('lab_series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('lab_id', sa.Integer(), nullable=False),
    sa.Column('activity_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('class_label', sa.String(length=40), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('period_name', sa.String(length=40), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['activity_id'], ['activities.id'], name=op.f('fk_lab_series_activity_id_activities'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_lab_series_booked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lab_id'], ['labs.id'], name=op.f('fk_lab_series_lab_id_labs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_lab_series_school_id_schools'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lab_series'))
    )
    with op.batch_alter_table('lab_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lab_series_activity_id'), ['activity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lab_series_booked_by_id'), ['booked_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lab_series_lab_id'), ['lab_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_lab_series_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_length', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_activities_series_length_range'), 'series_length >= 1 AND series_length <= 20'
        )

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_bookings_series_id'), ['series_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_bookings_series_id_lab_series'), 'lab_series', ['series_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bookings_series_id_lab_series'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_bookings_series_id'))
        batch_op.drop_column('series_id')

    with op.batch_alter_table('activities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_activities_series_length_range'), type_='check')
        batch_op.drop_column('series_length')

    with op.batch_alter_table('lab_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_series_school_id'))
        batch_op.drop_index(batch_op.f('ix_lab_series_lab_id'))
        batch_op.drop_index(batch_op.f('ix_lab_series_booked_by_id'))
        batch_op.drop_index(batch_op.f('ix_lab_series_activity_id'))

    op.drop_table('lab_series')
    with op.batch_alter_table('lab_quotas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lab_quotas_school_id'))
        batch_op.drop_index(batch_op.f('ix_lab_quotas_lab_id'))

    op.drop_table('lab_quotas')
