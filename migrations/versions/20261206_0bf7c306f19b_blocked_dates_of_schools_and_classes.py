"""Blocked dates: the days (or mornings or afternoons) a school, or some of its classes, cannot
come. A row without classes in blocked_date_classes blocks the whole school.

Revision ID: 0bf7c306f19b
Revises: 7c3e5a1f9b20
Create Date: 2026-12-06 21:41:08.386954

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0bf7c306f19b'
down_revision = '7c3e5a1f9b20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('blocked_dates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('day_part', sa.Enum('whole_day', 'morning', 'afternoon', name='day_part', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reason', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_blocked_dates_ends_after_start')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_blocked_dates_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blocked_dates'))
    )
    with op.batch_alter_table('blocked_dates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blocked_dates_ends_on'), ['ends_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_blocked_dates_school_id'), ['school_id'], unique=False)

    op.create_table('blocked_date_classes',
    sa.Column('blocked_date_id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['blocked_date_id'], ['blocked_dates.id'], name=op.f('fk_blocked_date_classes_blocked_date_id_blocked_dates'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['class_id'], ['school_classes.id'], name=op.f('fk_blocked_date_classes_class_id_school_classes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blocked_date_id', 'class_id', name=op.f('pk_blocked_date_classes'))
    )
    with op.batch_alter_table('blocked_date_classes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_blocked_date_classes_class_id'), ['class_id'], unique=False)



def downgrade():
    with op.batch_alter_table('blocked_date_classes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blocked_date_classes_class_id'))

    op.drop_table('blocked_date_classes')
    with op.batch_alter_table('blocked_dates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_blocked_dates_school_id'))
        batch_op.drop_index(batch_op.f('ix_blocked_dates_ends_on'))

    op.drop_table('blocked_dates')
