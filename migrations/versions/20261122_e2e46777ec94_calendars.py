"""Calendars: subscription feeds with secret tokens, the calendar SEQUENCE and last change of sessions and
bookings, and the iTIP invitation carried by an outbox message.

Revision ID: e2e46777ec94
Revises: 0627d07bf115
Create Date: 2026-11-22 02:23:18.012459

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e2e46777ec94'
down_revision = '0627d07bf115'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('my_bookings', 'school', 'partner', 'lab', 'region', name='feed_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_modified', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feeds')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_feeds_token'))
    )
    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feeds_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_calendar_feeds_live', ['user_id', 'kind', 'subject_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))

    # Existing rows: their last change so far is their last update.
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('calendar_changed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE bookings SET calendar_changed_at = updated_at")
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('calendar_changed_at', existing_type=sa.DateTime(timezone=True), nullable=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_method', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('calendar_ics', sa.Text(), nullable=True))

    # Existing rows: their last change so far is their last update.
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_sequence', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('calendar_changed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE sessions SET calendar_changed_at = updated_at")
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.alter_column('calendar_changed_at', existing_type=sa.DateTime(timezone=True), nullable=False)



def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('calendar_changed_at')
        batch_op.drop_column('calendar_sequence')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('calendar_ics')
        batch_op.drop_column('calendar_method')

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_column('calendar_changed_at')
        batch_op.drop_column('calendar_sequence')

    with op.batch_alter_table('calendar_feeds', schema=None) as batch_op:
        batch_op.drop_index('uq_calendar_feeds_live', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_calendar_feeds_user_id'))

    op.drop_table('calendar_feeds')
