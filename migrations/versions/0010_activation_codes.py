"""activation codes printed on slips for people without email (only a keyed hash is stored)

Revision ID: 0008_activation_codes
Revises: 0008_supervisors
Create Date: 2026-12-07 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_activation_codes"
down_revision = "0008_supervisors"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "activation_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("printed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_activation_code_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["printed_by_id"],
            ["user_account.id"],
            name=op.f("fk_activation_code_printed_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activation_code")),
    )
    with op.batch_alter_table("activation_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activation_code_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("activation_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activation_code_user_id"))
    op.drop_table("activation_code")
