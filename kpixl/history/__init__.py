"""Each run's accepted figures in, every figure's months and revisions out: the history store.

Who ran what and when, the register's thresholds as used, each return by hash, every accepted
figure with its file, sheet and cell, and the ratings made. SQLite for one machine, PostgreSQL
for a team; a store is upgraded by the Alembic migrations shipped in `migrations/`.
"""
