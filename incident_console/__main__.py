"""python -m incident_console: the same as the incident-console command."""

import sys

from .cli import main

sys.exit(main())
