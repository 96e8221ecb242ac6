"""a lesson in the Papelera remembers its place in the module, so restoring it puts it back there

Revision ID: 0016_lesson_trash_place
Revises: 0015_maintained_status
Create Date: 2026-12-07 18:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_lesson_trash_place"
down_revision = "0015_maintained_status"
branch_labels = None
depends_on = None


def upgrade():
    # An added column, in place (see 0014: a batch "recreate" of `lesson` would cascade deletes on
    # SQLite). Lessons already in the Papelera keep NULL: restored, they go last, as before.
    op.add_column("lesson", sa.Column("trashed_from_position", sa.Integer(), nullable=True))


def downgrade():
    op.drop_column("lesson", "trashed_from_position")
