"""`python -m bot`: the same as the `pitboard` command."""
from bot.cli import main

# Guarded: a worker process (report reading) may import this module again, and must not
# start another command.
if __name__ == "__main__":
    raise SystemExit(main())
