"""tokenscope core: Claude Code logs in, a cost report out (standard library only)."""

from .version import __version__

__all__ = ["Analyzer", "build_report", "__version__"]


def __getattr__(name):
    # Imported on first use (PEP 562): the status line (issue 15) starts in a few milliseconds without the report.
    if name == "Analyzer":
        from .core.analyzer import Analyzer
        return Analyzer
    if name == "build_report":
        from .report.build import build_report
        return build_report
    raise AttributeError(name)
