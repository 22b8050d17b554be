"""`python -m kpixl`."""

import sys

from kpixl.cli import main

sys.exit(main())
