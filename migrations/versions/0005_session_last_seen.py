"""session last seen, for the idle timeout

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 21:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: sessions started before this migration count from their created_at.
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("auth_session", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
