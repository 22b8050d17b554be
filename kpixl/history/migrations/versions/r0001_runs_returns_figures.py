"""Runs, the return files each read, and every accepted figure with its cell and revisions.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.Text, nullable=False),
        sa.Column("kpixl_version", sa.String(40), nullable=False),
        sa.Column("command", sa.String(20), nullable=False),
        sa.Column("register_name", sa.Text, nullable=False),
        sa.Column("register_sha256", sa.String(64), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
    )
    op.create_table(
        "return_files",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("return_files_sha256", "return_files", ["sha256"])
    op.create_table(
        "figures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("value", sa.Double),
        sa.Column("numerator", sa.Double),
        sa.Column("denominator", sa.Double),
        sa.Column("ytd", sa.Double),
        sa.Column("prev_year", sa.Double),
        sa.Column("commentary", sa.Text),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("sheet", sa.Text, nullable=False),
        sa.Column("cell", sa.String(20), nullable=False),
        sa.Column("superseded_by", sa.Integer, sa.ForeignKey("figures.id")),
    )
    op.create_index("figures_ref_period", "figures", ["ref", "period"])


def downgrade() -> None:
    op.drop_table("figures")
    op.drop_table("return_files")
    op.drop_table("runs")
