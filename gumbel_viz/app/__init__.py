"""The app: the explorer of one session (its registry of views, links, downloads),
the served page, and handing memory back after sessions close."""

from .explorer import VIEWS, Explorer

__all__ = ["VIEWS", "Explorer"]
