"""tokenscope core: Claude Code logs in, a cost report out (standard library only)."""

__version__ = "0.1.0"

from .analyzer import Analyzer  # noqa: E402
from .report import build_report  # noqa: E402

__all__ = ["Analyzer", "build_report", "__version__"]
