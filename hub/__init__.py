"""CRM Hub: canonical CRM model, master data and ordered replication to ERP, shops and POS."""

from __future__ import annotations

from hub.core.hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["__version__", "hookimpl"]
