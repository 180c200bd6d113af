"""``python -m mis``."""

import sys

from mis.cli import main

sys.exit(main())
