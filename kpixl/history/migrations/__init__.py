"""The history store's Alembic migrations: each revision upgrades a store written by an older kpixl."""
