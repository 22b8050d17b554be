"""Batch conversion: a folder of returns in, every dashboard and a run report out, in parallel and incremental."""
