"""`python -m maas` runs the command line."""

import sys

from maas.cli import main

sys.exit(main())
