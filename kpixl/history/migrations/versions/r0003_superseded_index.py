"""An index of the superseded figures, by the figure that replaced each.

`kpixl history --changes` pairs each revised figure with its successor: without it, that read
every figure of the store (1.4 million in five years of 600 returns); with it, only the
revised ones. Partial (only rows with a successor), so recording the usual new figures costs
nothing more.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None

_SUPERSEDED = sa.text("superseded_by IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "figures_superseded",
        "figures",
        ["superseded_by"],
        sqlite_where=_SUPERSEDED,
        postgresql_where=_SUPERSEDED,
    )


def downgrade() -> None:
    op.drop_index("figures_superseded", "figures")
