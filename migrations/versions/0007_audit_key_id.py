"""audit events name the key of their HMAC; earlier rows keep their plain SHA-256 (key_id NULL)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows stay as they are (NULL: hashed the old, unkeyed way) and still verify; the first keyed
    # row's HMAC covers the last of them through its prev_hash, so they cannot be changed unnoticed either.
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade():
    # Code from before 0007 recomputes every hash as plain SHA-256: keyed rows will not verify under it.
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("key_id")
