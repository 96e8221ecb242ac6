"""quizzes whose results can be trusted: shuffled question order, when the key is shown, value tags

Revision ID: 0008_quiz_trust
Revises: 0007
Create Date: 2026-12-07 05:00:00

Existing revisions take the new defaults: questions shuffled and the key shown only once the quiz
is passed, so a deployment stops showing the answers to people who fail on purpose as soon as it
upgrades (trainers may choose "always" again in the quiz's settings).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_quiz_trust"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("quiz_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shuffle_questions", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(
            sa.Column("show_answers", sa.String(length=20), server_default="after_pass", nullable=False)
        )
    with op.batch_alter_table("revision_question", schema=None) as batch_op:
        batch_op.add_column(sa.Column("value_tags", sa.String(length=500), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("revision_question", schema=None) as batch_op:
        batch_op.drop_column("value_tags")
    with op.batch_alter_table("quiz_revision", schema=None) as batch_op:
        batch_op.drop_column("show_answers")
        batch_op.drop_column("shuffle_questions")
