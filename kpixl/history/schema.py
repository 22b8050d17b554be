"""The store's tables as the code reads and writes them (the newest migration makes them so)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("user_name", sa.Text, nullable=False),
    sa.Column("kpixl_version", sa.String(40), nullable=False),
    sa.Column("command", sa.String(20), nullable=False),
    sa.Column("register_name", sa.Text, nullable=False),
    sa.Column("register_sha256", sa.String(64), nullable=False),
    sa.Column("period", sa.String(7), nullable=False),
)

return_files = sa.Table(
    "return_files",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("modified_at", sa.DateTime(timezone=True), nullable=False),
)

# One row per figure as a run accepted it; a revision is a new row, and the row it replaces
# points at it (`superseded_by`): rows are never updated otherwise, nor deleted.
figures = sa.Table(
    "figures",
    metadata,
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
    sa.Column("file_sha256", sa.String(64)),
)

# What a figure is: a change in any of these between runs is a revision.
FIGURE_FIELDS = ("value", "numerator", "denominator", "ytd", "prev_year", "commentary")

thresholds = sa.Table(
    "thresholds",
    metadata,
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

ratings = sa.Table(
    "ratings",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("ref", sa.Text, primary_key=True),
    sa.Column("period", sa.String(7), primary_key=True),
    sa.Column("month_rag", sa.String(10)),
    sa.Column("ytd", sa.Double),
    sa.Column("ytd_rag", sa.String(10)),
    sa.Column("alert", sa.String(10)),
    sa.Column("direction", sa.String(10)),
)
