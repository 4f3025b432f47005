"""The one version source (pyproject.toml reads it)."""
__version__ = "0.3.0"
