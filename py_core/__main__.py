"""`python -m py_core` runs the CLI."""
import sys

if sys.argv[1:2] == ["statusline"]:
    # Claude Code runs the status line every few hundred milliseconds: only what it needs is imported.
    from .statusline import main
    sys.exit(main(sys.argv[2:]))

from .cli import main  # noqa: E402

sys.exit(main())
