"""CRM Hub: canonical CRM model, master data and ordered replication to ERP, shops and POS.

``hookimpl`` is looked up on first use (PEP 562): ``from hub import hookimpl`` works as
always, while a command that needs no plugin hooks (``hub status``) starts without
importing pluggy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.core.hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str) -> Any:
    if name == "hookimpl":
        from hub.core.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
