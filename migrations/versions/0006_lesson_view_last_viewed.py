"""lesson views remember the latest reading, for refreshers after a completion expires

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 23:20:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("lesson_view", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_viewed_at", sa.DateTime(timezone=True), nullable=True))
    # Every reading so far was a first reading.
    op.execute("UPDATE lesson_view SET last_viewed_at = viewed_at")
    with op.batch_alter_table("lesson_view", schema=None) as batch_op:
        batch_op.alter_column("last_viewed_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade():
    with op.batch_alter_table("lesson_view", schema=None) as batch_op:
        batch_op.drop_column("last_viewed_at")
