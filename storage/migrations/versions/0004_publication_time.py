"""publication time: when ICE published each list, beside when the tracker imported it

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-29 06:00:00

Until now every date was the import time. A publication's `published_at` is the crawl time
of the fetch (or archive snapshot) that first saw it; for stores built by live crawls that
is the time they were applied, so existing rows take it from there. Events get the same
column (filtered by `events --since/--until`) and the field in their payload.
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

ISO_Z = "%Y-%m-%dT%H:%M:%SZ"


def upgrade() -> None:
    # Nullable only because SQLite cannot add a NOT NULL column to a table others reference
    # without rebuilding it; the tracker always sets both.
    op.add_column('publications', sa.Column('published_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE publications SET published_at = applied_at")
    op.add_column('events', sa.Column('published_at', sa.DateTime(), nullable=True))
    op.create_index('ix_events_published_at', 'events', ['published_at'], unique=False)
    op.execute("UPDATE events SET published_at = detected_at")
    events = sa.table('events', sa.column('seq', sa.Integer()), sa.column('payload', sa.JSON()),
                      sa.column('published_at', sa.DateTime()))
    connection = op.get_bind()
    rows = connection.execute(sa.select(events.c.seq, events.c.payload, events.c.published_at)).all()
    for seq, payload, published_at in rows:
        if "published_at" not in payload:
            payload = {**payload, "published_at": published_at.strftime(ISO_Z)}
            connection.execute(events.update().where(events.c.seq == seq).values(payload=payload))


def downgrade() -> None:
    op.drop_index('ix_events_published_at', table_name='events')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('published_at')
    with op.batch_alter_table('publications', schema=None) as batch_op:
        batch_op.drop_column('published_at')
