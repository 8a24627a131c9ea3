"""`python -m bot` is the `trolyso` command."""

import sys

from bot.cli import main

sys.exit(main())
