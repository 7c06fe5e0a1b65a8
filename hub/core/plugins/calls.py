"""Calling one plugin's implementation of a hook, through pluggy.

A registration hook hands each plugin a registry scoped to that plugin, so it is called
plugin by plugin. Going through pluggy's hook caller (restricted to that one plugin)
rather than calling the implementation function keeps pluggy's own argument handling:
a spec that gains a keyword parameter later does not break plugins written before it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pluggy


def implementers(pm: pluggy.PluginManager, hook: str) -> Iterator[str]:
    """Names of the plugins implementing ``hook``, in registration order."""
    for impl in reversed(getattr(pm.hook, hook).get_hookimpls()):
        yield impl.plugin_name


def call_one(pm: pluggy.PluginManager, hook: str, plugin: str, **kwargs: object) -> None:
    """Call ``plugin``'s implementation of ``hook`` with ``kwargs``, and no other's."""
    others = [p for name, p in pm.list_name_plugin() if name != plugin]
    pm.subset_hook_caller(hook, remove_plugins=others)(**kwargs)
