"""fetch back-off: hosts whose documents the crawl stopped asking for, and until when

Revision ID: 0005_fetch_backoff
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0005_fetch_backoff'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fetch_backoff',
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failed_at', sa.DateTime(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(), nullable=False),
    sa.Column('retry_after', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('waiting', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('host')
    )


def downgrade() -> None:
    op.drop_table('fetch_backoff')
