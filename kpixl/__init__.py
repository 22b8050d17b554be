"""kpixl: monthly KPI returns in, a RAG-rated performance dashboard out."""

from kpixl.errors import KpixlError
from kpixl.issues import Issue, Report
from kpixl.register import Register, load_register

__version__ = "0.1.0"

__all__ = ["Issue", "KpixlError", "Register", "Report", "__version__", "load_register"]
