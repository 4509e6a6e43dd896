"""text columns for what ICE and its web servers write

Revision ID: 0002_text_columns
Revises: 0001

A 400-character agency or file name failed every crawl on PostgreSQL (VARCHAR limits)
while SQLite took it. Values that come from ICE's sheets and servers are now TEXT, so
both databases store what was published. SQLite ignores VARCHAR lengths, so only
PostgreSQL's columns change; rebuilding SQLite tables would gain nothing.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_text_columns"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = {
    "documents": {"content_type": 200, "filename": 300},
    "fetches": {"etag": 300, "last_modified": 100},
    "publications": {"filename": 300},
    "agreements": {"agency": 300, "agency_type": 60, "county": 200, "signed_raw": 100},
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in COLUMNS.items():
        for column, length in columns.items():
            op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(length))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, columns in COLUMNS.items():
        for column, length in columns.items():
            op.alter_column(table, column, type_=sa.String(length), existing_type=sa.Text(),
                            postgresql_using=f"left({column}, {length})")
