"""news items: every feed item read, so none is fetched twice, and the signal it made or joined

Revision ID: 0007_news_items
Revises: 0006_list_absences
"""

import sqlalchemy as sa
from alembic import op

revision = '0007_news_items'
down_revision = '0006_list_absences'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('news_items',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('guid_key', sa.String(length=64), nullable=False),
    sa.Column('link', sa.Text(), nullable=False),
    sa.Column('feed_url', sa.Text(), nullable=False),
    sa.Column('article_url', sa.Text(), nullable=True),
    sa.Column('outlet', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=False),
    sa.Column('run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('text_from', sa.String(length=20), nullable=False),
    sa.Column('fallback_reason', sa.Text(), nullable=True),
    sa.Column('event_seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('folded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['event_seq'], ['events.seq'], ),
    sa.ForeignKeyConstraint(['run_id'], ['crawl_runs.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index(op.f('ix_news_items_guid_key'), 'news_items', ['guid_key'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_news_items_guid_key'), table_name='news_items')
    op.drop_table('news_items')
