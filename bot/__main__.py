"""`python -m bot`: the same as the `pitboard` command."""
from bot.cli import main

raise SystemExit(main())
