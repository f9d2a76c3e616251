"""The web app, JSON API and feeds: `create_app(settings, store)` returns the FastAPI app."""

from __future__ import annotations

from everyside.web.app import create_app

__all__ = ["create_app"]
