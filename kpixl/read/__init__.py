"""Untrusted files in: a return or register workbook, checked and read in a guarded worker, out as tables of cells and observations."""
