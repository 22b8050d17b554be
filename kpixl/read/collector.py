"""Pausing Python's cyclic garbage collector while a large, long-lived object graph is built."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block without cyclic garbage collection.

    Building a dashboard makes hundreds of thousands of objects that all live until it is
    saved; the collector would walk them again and again (a third of the time to build one)
    and find nothing to free. Reference counting still frees everything as usual; the
    collector resumes, as it was, when the block ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
