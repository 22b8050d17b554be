"""The Excel add-in: ribbon clicks in, the library's calls and answers in the workbook out.

Also the kpixl.xlam build and its installer.

Nothing else in kpixl imports this package; xlwings is imported only when a button runs.
RunPython calls e.g. `import kpixl.addin; kpixl.addin.validate_return()`.
"""

from kpixl.addin.entry import build_dashboard, email_dashboard, settings, validate_return

__all__ = ["build_dashboard", "email_dashboard", "settings", "validate_return"]
