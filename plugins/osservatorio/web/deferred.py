"""An ASGI app built on its first request, so that importing the plugin stays cheap.

Every Airflow process imports the plugins folder (the scheduler, the dag-processor, each task
process for its macros), but only the API server serves the app. Building it imports FastAPI and
Airflow's API security module (about 5 s on this machine): the plugin registers this stand-in,
which imports and calls the factory the first time a request reaches it.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol


class ASGIApp(Protocol):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None: ...


class DeferredApp:
    """ASGI app that builds the real one from `factory` ("module:function") when first called."""

    def __init__(self, factory: str) -> None:
        self.factory = factory
        self._app: ASGIApp | None = None

    def build(self) -> ASGIApp:
        # No await between the check and the assignment: one event loop builds it once.
        if self._app is None:
            module_name, _, function = self.factory.partition(":")
            self._app = getattr(importlib.import_module(module_name), function)()
        return self._app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.build()(scope, receive, send)

    def __repr__(self) -> str:
        return f"DeferredApp({self.factory!r})"
