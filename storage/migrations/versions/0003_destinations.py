"""destinations: when each alert destination was first seen, and whether it was welcomed

Destinations that already have routing or digest marks are recorded as welcomed, so an
upgrade neither floods them with history nor greets them again.

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002_text_columns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "destinations",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("start_seq", sa.BigInteger(), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("welcome_batch", sa.String(length=64), nullable=True),
        sa.Column("welcomed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.execute(
        "INSERT INTO destinations (key, first_seen_at, start_seq, welcomed_at) "
        "SELECT substr(subscriber, 7), CURRENT_TIMESTAMP, last_event_seq, CURRENT_TIMESTAMP "
        "FROM digest_watermarks WHERE subscriber LIKE 'route:%'"
    )
    op.execute(
        "INSERT INTO destinations (key, first_seen_at, start_seq, welcomed_at) "
        "SELECT 'email:' || substr(subscriber, 8), CURRENT_TIMESTAMP, last_event_seq, CURRENT_TIMESTAMP "
        "FROM digest_watermarks d WHERE subscriber LIKE 'digest:%' AND NOT EXISTS "
        "(SELECT 1 FROM destinations x WHERE x.key = 'email:' || substr(d.subscriber, 8))"
    )


def downgrade() -> None:
    op.drop_table("destinations")
