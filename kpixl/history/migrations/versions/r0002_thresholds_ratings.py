"""The thresholds each run rated against and the ratings it made; each figure's file by hash.

Targets change between years: a past month is shown against the targets it had, so each run
keeps the thresholds it used. The current figures of a period are found by a partial index.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None

_CURRENT = sa.text("superseded_by IS NULL")


def upgrade() -> None:
    op.create_table(
        "thresholds",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("ref", sa.Text, primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("unit", sa.String(20), nullable=False),
        sa.Column("decimals", sa.Integer, nullable=False),
        sa.Column("polarity", sa.String(10), nullable=False),
        sa.Column("target", sa.Double),
        sa.Column("floor", sa.Double),
        sa.Column("upper", sa.Double),
        sa.Column("lower", sa.Double),
        sa.Column("ytd_method", sa.String(10), nullable=False),
        sa.Column("rag_basis", sa.String(10), nullable=False),
        sa.Column("prev_year", sa.Double),
    )
    op.create_table(
        "ratings",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
        sa.Column("ref", sa.Text, primary_key=True),
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("month_rag", sa.String(10)),
        sa.Column("ytd", sa.Double),
        sa.Column("ytd_rag", sa.String(10)),
        sa.Column("alert", sa.String(10)),
        sa.Column("direction", sa.String(10)),
    )
    with op.batch_alter_table("figures") as figures:
        figures.add_column(sa.Column("file_sha256", sa.String(64)))
    op.create_index(
        "figures_current",
        "figures",
        ["period", "ref"],
        sqlite_where=_CURRENT,
        postgresql_where=_CURRENT,
    )


def downgrade() -> None:
    op.drop_index("figures_current", "figures")
    with op.batch_alter_table("figures") as figures:
        figures.drop_column("file_sha256")
    op.drop_table("ratings")
    op.drop_table("thresholds")
