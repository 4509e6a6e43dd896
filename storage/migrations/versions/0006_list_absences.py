"""list absences: a list ICE's page stopped linking (the pending list, since 2026), and since when

Revision ID: 0006_list_absences
Revises: 0005_fetch_backoff
"""

import sqlalchemy as sa
from alembic import op

revision = '0006_list_absences'
down_revision = '0005_fetch_backoff'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('list_absences',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('first_missing_at', sa.DateTime(), nullable=False),
    sa.Column('first_missing_run_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('returned_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['first_missing_run_id'], ['crawl_runs.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_list_absences_kind', 'list_absences', ['kind'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_list_absences_kind', table_name='list_absences')
    op.drop_table('list_absences')
