"""a covering index for the report's totals: counting everyone by status and department reads only it

Revision ID: 0017_report_status_index
Revises: 0016_lesson_trash_place
Create Date: 2026-12-07 19:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_report_status_index"
down_revision = "0016_lesson_trash_place"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_user_account_status",
        "user_account",
        # Active last, as on the model (models/user.py says why).
        ["department_id", "last_signed_at", "due_date", "started", "active"],
    )


def downgrade():
    op.drop_index("ix_user_account_status", table_name="user_account")
