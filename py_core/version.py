"""The one place naming tokenscope's version (pyproject.toml and serve.py's wheel read it from here)."""

__version__ = "0.1.0"
