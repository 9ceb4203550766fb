"""Bookings, their history and evaluations, booking quotas, and the waiting-list setting of regions.

Revision ID: 3a8dde180cfa
Revises: 9c6d687b6ae9
Create Date: 2026-11-21 23:23:17.819289

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3a8dde180cfa'
down_revision = '9c6d687b6ae9'
branch_labels = None
depends_on = None


def upgrade():
    
    op.create_table('booking_quotas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('max_bookings', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('max_bookings >= 0', name=op.f('ck_booking_quotas_max_bookings_not_negative')),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_booking_quotas_school_id_schools'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_quotas')),
    sa.UniqueConstraint('school_id', 'school_year', name=op.f('uq_booking_quotas_school_id_school_year'))
    )
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('school_class_id', sa.Integer(), nullable=True),
    sa.Column('school_year', sa.Integer(), nullable=False),
    sa.Column('class_label', sa.String(length=40), nullable=False),
    sa.Column('grade', sa.Enum('groep-1', 'groep-2', 'groep-3', 'groep-4', 'groep-5', 'groep-6', 'groep-7', 'groep-8', 'vo-1', 'vo-2', 'vo-3', 'vo-4', 'vo-5', 'vo-6', 'mbo-1', 'mbo-2', 'mbo-3', 'mbo-4', name='grade', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('pupils', sa.Integer(), nullable=False),
    sa.Column('adults', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('contact_phone', sa.String(length=40), nullable=True),
    sa.Column('status', sa.Enum('requested', 'confirmed', 'waitlisted', 'rejected', 'cancelled', 'attended', 'no_show', name='booking_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('waitlisted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('evaluation_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('adults >= 0 AND adults <= 20', name=op.f('ck_bookings_adults_range')),
    sa.CheckConstraint('pupils > 0 AND pupils <= 60', name=op.f('ck_bookings_pupils_range')),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_bookings_booked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_class_id'], ['school_classes.id'], name=op.f('fk_bookings_school_class_id_school_classes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['school_id'], ['schools.id'], name=op.f('fk_bookings_school_id_schools'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_bookings_session_id_sessions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_booked_by_id'), ['booked_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_school_class_id'), ['school_class_id'], unique=False)
        batch_op.create_index('ix_bookings_school_id_school_year', ['school_id', 'school_year'], unique=False)
        batch_op.create_index('ix_bookings_session_id_status', ['session_id', 'status'], unique=False)
        batch_op.create_index('ix_bookings_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index('uq_bookings_session_id_school_class_id_active', ['session_id', 'school_class_id'], unique=True, sqlite_where=sa.text("status IN ('requested', 'confirmed', 'waitlisted', 'attended', 'no_show')"), postgresql_where=sa.text("status IN ('requested', 'confirmed', 'waitlisted', 'attended', 'no_show')"))

    op.create_table('booking_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.Enum('requested', 'confirmed', 'waitlisted', 'rejected', 'cancelled', 'attended', 'no_show', name='from_status', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('to_status', sa.Enum('requested', 'confirmed', 'waitlisted', 'rejected', 'cancelled', 'attended', 'no_show', name='to_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_booking_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_events_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_events'))
    )
    with op.batch_alter_table('booking_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_events_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_events_actor_id'), ['actor_id'], unique=False)

    op.create_table('evaluations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating >= 1 AND rating <= 5', name=op.f('ck_evaluations_rating_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_evaluations_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_evaluations_booking_id_bookings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('booking_id', name=op.f('uq_evaluations_booking_id'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_author_id'), ['author_id'], unique=False)

    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waitlist_allows_skipping', sa.Boolean(), server_default=sa.false(), nullable=False))




def downgrade():
    
    with op.batch_alter_table('regions', schema=None) as batch_op:
        batch_op.drop_column('waitlist_allows_skipping')

    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_author_id'))

    op.drop_table('evaluations')
    with op.batch_alter_table('booking_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_events_actor_id'))
        batch_op.drop_index(batch_op.f('ix_booking_events_booking_id'))

    op.drop_table('booking_events')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('uq_bookings_session_id_school_class_id_active', sqlite_where=sa.text("status IN ('requested', 'confirmed', 'waitlisted', 'attended', 'no_show')"), postgresql_where=sa.text("status IN ('requested', 'confirmed', 'waitlisted', 'attended', 'no_show')"))
        batch_op.drop_index('ix_bookings_status_created_at')
        batch_op.drop_index('ix_bookings_session_id_status')
        batch_op.drop_index('ix_bookings_school_id_school_year')
        batch_op.drop_index(batch_op.f('ix_bookings_school_class_id'))
        batch_op.drop_index(batch_op.f('ix_bookings_booked_by_id'))

    op.drop_table('bookings')
    op.drop_table('booking_quotas')

