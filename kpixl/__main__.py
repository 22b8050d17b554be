"""`python -m kpixl`."""

import sys

from kpixl.cli.main import main

sys.exit(main())
