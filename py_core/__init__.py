"""tokenscope core: Claude Code logs in, a cost report out (standard library only)."""

from .analyzer import Analyzer
from .report import build_report
from .version import __version__

__all__ = ["Analyzer", "build_report", "__version__"]
