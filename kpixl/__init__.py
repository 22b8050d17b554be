"""kpixl: monthly KPI returns in, a RAG-rated performance dashboard out.

The stable API is what `__all__` names; everything else may change between versions.

    import kpixl

    results = kpixl.run("samples/returns", "samples/register.xlsx", period="2025-03")
    results.report.valid          # False when a return has errors
    results.data                  # the Data sheet as a pandas DataFrame
    kpixl.write_dashboard(results, "out/CED-DCED_2025-03.xlsx")
    kpixl.send_dashboard("out/CED-DCED_2025-03.xlsx", results.register, eml="out/draft.eml")

See docs/library.md for a worked example.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Where each public name lives. They are imported on first use, so that `import kpixl` (and
# the command line, which imports it first) stays quick: writing a dashboard needs openpyxl,
# the table pandas, mailing the mail modules, and a plain `kpixl validate` none of them.
_PUBLIC = {
    "run": "kpixl.api",
    "write_dashboard": "kpixl.api",
    "write_results_csv": "kpixl.api",
    "load_register": "kpixl.register.load",
    "send_dashboard": "kpixl.mail.send",
    "MailResult": "kpixl.mail.send",
    "Results": "kpixl.results",
    "DATA_COLUMNS": "kpixl.results",
    "Report": "kpixl.issues",
    "Issue": "kpixl.issues",
    "IssueCode": "kpixl.issues",
    "Severity": "kpixl.issues",
    "Register": "kpixl.register.model",
    "Indicator": "kpixl.register.model",
    "ServiceArea": "kpixl.register.model",
    "Period": "kpixl.periods",
    "KpixlError": "kpixl.errors",
    "RegisterError": "kpixl.errors",
    "UsageError": "kpixl.errors",
    "OutputError": "kpixl.errors",
    "MailError": "kpixl.errors",
}

__all__ = [
    "DATA_COLUMNS",
    "Indicator",
    "Issue",
    "IssueCode",
    "KpixlError",
    "MailError",
    "MailResult",
    "OutputError",
    "Period",
    "Register",
    "RegisterError",
    "Report",
    "Results",
    "ServiceArea",
    "Severity",
    "UsageError",
    "__version__",
    "load_register",
    "run",
    "send_dashboard",
    "write_dashboard",
    "write_results_csv",
]

if TYPE_CHECKING:
    from kpixl.api import run, write_dashboard, write_results_csv
    from kpixl.errors import KpixlError, MailError, OutputError, RegisterError, UsageError
    from kpixl.issues import Issue, IssueCode, Report, Severity
    from kpixl.mail.send import MailResult, send_dashboard
    from kpixl.periods import Period
    from kpixl.register.load import load_register
    from kpixl.register.model import Indicator, Register, ServiceArea
    from kpixl.results import DATA_COLUMNS, Results


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'kpixl' has no attribute '{name}'")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value  # once: later look-ups find it directly
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
