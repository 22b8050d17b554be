"""Text from returns, registers and file names made safe to show on a terminal: shown, never run."""

from __future__ import annotations

import re

# Escape sequences (CSI: colours, cursor moves; OSC: titles, hyperlinks; the rest of ESC's
# two-byte forms), then any control character left (C0 but tab and line feed, DEL, C1). A cell
# holding ESC ] 8 ;; https://… would otherwise become a live link, and a CR or a cursor move
# could overwrite the line before it.
_CONTROLS = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC, ended by BEL or ST (or not at all)
    r"|\x1b[@-_]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def printable(text: object, *, one_line: bool = False) -> str:
    """`text` without escape sequences or control characters (tab and line feed are kept;
    with `one_line`, a line feed shows as `\\n`, as in a file name that holds one)."""
    clean = _CONTROLS.sub("", str(text))
    return clean.replace("\n", "\\n") if one_line else clean
