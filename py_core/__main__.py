"""`python -m py_core` and the installed `tokenscope` command: the CLI, or the status line on its own light path."""
import sys


def main():
    if sys.argv[1:2] == ["statusline"]:
        # Claude Code runs the status line every few hundred milliseconds: only what it needs is imported (issue
        # 20: the installed command too, not only `python -m py_core statusline`).
        from .shells.statusline import main as statusline
        return statusline(sys.argv[2:])
    from .shells.cli import main as cli
    return cli()


if __name__ == "__main__":
    sys.exit(main())
