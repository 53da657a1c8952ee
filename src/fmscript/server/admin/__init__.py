"""The admin page of ``fmscript serve`` (``/admin``): jobs training live with their loss curves,
models with sizes and adapter-card losses, a "Try it" chat box, and Create Fine-Tuned Model with a
line-numbered check of the training file before anything is queued.

``create_admin_router`` (in :mod:`.routes`, which imports FastAPI) is mounted by the server's
``create_app``; :mod:`.insights` and :mod:`.chart` are plain Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fmscript.server.admin.routes import create_admin_router

__all__ = ["create_admin_router"]


def __getattr__(name: str) -> object:
    if name == "create_admin_router":
        from fmscript.server.admin.routes import create_admin_router

        return create_admin_router
    raise AttributeError(name)
