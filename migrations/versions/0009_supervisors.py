"""jefaturas: the departments each supervisor leads (the role itself is a user_role row like any other)

Revision ID: 0008_supervisors
Revises: 0008_quiz_trust
Create Date: 2026-12-07 05:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_supervisors"
down_revision = "0008_quiz_trust"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "led_department",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["department.id"],
            name=op.f("fk_led_department_department_id_department"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_led_department_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "department_id", name=op.f("pk_led_department")),
    )
    with op.batch_alter_table("led_department", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_led_department_department_id"), ["department_id"], unique=False)


def downgrade():
    # Code from before 0008 does not know the role (set_roles refuses unknown roles): it goes with its table.
    op.execute("DELETE FROM user_role WHERE role = 'supervisor'")
    with op.batch_alter_table("led_department", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_led_department_department_id"))
    op.drop_table("led_department")
