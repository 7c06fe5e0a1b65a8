"""Plugin settings, declared once and validated by the host.

A plugin declares the model of its ``[plugins.<name>]`` table in ``hub_register_settings``;
the host validates every table against its plugin's model when plugins load (every
command does), reports every problem of every plugin at once, located like the hub's own
settings (``hub.toml: [plugins.erp_sap] inbound_dr: unknown key (did you mean
'inbound_dir'?)``), and hands each plugin the validated instance. A plugin never parses
its table itself, so it cannot be read two ways or validated late.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, TypeVar

import pluggy
from pydantic import BaseModel, ValidationError

from hub.core.config.origin import ConfigOrigin
from hub.core.config.problems import config_problems, setting_problem, suggestion
from hub.core.config.shape import nested_models
from hub.core.errors import ConfigError, Problem
from hub.core.plugins.calls import call_one, implementers

M = TypeVar("M", bound=BaseModel)


class SettingsRegistry:
    """What ``hub_register_settings`` receives: where one plugin declares its settings model."""

    def __init__(self, plugin: str) -> None:
        self.plugin = plugin
        self.model: type[BaseModel] | None = None

    def set_settings(self, model: type[BaseModel]) -> None:
        """Declare ``model`` as this plugin's ``[plugins.<name>]`` table (once).

        The model and every model nested in it must refuse unknown keys
        (``extra="forbid"``): a misspelt key is then reported, never silently ignored.
        """
        where = f"plugin {self.plugin}"
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise ConfigError([Problem(where, f"settings must be a pydantic model class, not {model!r}")])
        if self.model is not None:
            raise ConfigError([Problem(where, "declares its settings twice")])
        lax = [m.__name__ for m in nested_models(model) if m.model_config.get("extra") != "forbid"]
        if lax:
            raise ConfigError([Problem(where, f"settings model {', '.join(lax)} must refuse unknown keys"
                                              " (model_config extra='forbid')")])
        self.model = model


def declared_models(pm: pluggy.PluginManager) -> tuple[dict[str, type[BaseModel] | None], list[Problem]]:
    """Each registered plugin's settings model (None when it declares none), and the
    problems of the declarations themselves."""
    models: dict[str, type[BaseModel] | None] = {name: None for name, _ in pm.list_name_plugin()}
    problems: list[Problem] = []
    for plugin in implementers(pm, "hub_register_settings"):
        registry = SettingsRegistry(plugin)
        try:
            call_one(pm, "hub_register_settings", plugin, registry=registry)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        models[plugin] = registry.model
    return models, problems


def validate_plugin_settings(
    models: Mapping[str, type[BaseModel] | None], tables: Mapping[str, Mapping[str, Any]],
    origin: ConfigOrigin, ignored: Collection[str] = (),
) -> tuple[dict[str, BaseModel | None], list[Problem]]:
    """Every plugin's table validated against its model, and every problem found.

    A table for a plugin that is not loaded is a problem (its settings would be silently
    ignored), unless the plugin is named in ``ignored`` (disabled, or failed to import
    and reported as such). A plugin that declares no model takes no table.
    """
    problems: list[Problem] = []
    for name in tables:
        if name not in models and name not in ignored:
            problems.append(setting_problem(origin, ("plugins", name), (), f"no plugin {name!r} is installed"
                                            + suggestion(name, models)))
    settings: dict[str, BaseModel | None] = {}
    for name, model in models.items():
        table = tables.get(name)
        if model is None:
            settings[name] = None
            if table:
                problems.append(setting_problem(origin, ("plugins", name), (), f"plugin {name} takes no settings"))
            continue
        try:
            settings[name] = model.model_validate(table or {})
        except ValidationError as exc:
            problems.extend(config_problems(exc, model, origin, ("plugins", name)))
    return settings, problems


def settings_as(settings: BaseModel | None, model: type[M], plugin: str) -> M:
    """``settings`` as ``model``: what a plugin asks for must be what it declared."""
    if isinstance(settings, model):
        return settings
    found = "no settings" if settings is None else f"settings of type {type(settings).__name__}"
    raise ConfigError([Problem(f"plugin {plugin}", f"has {found}, not {model.__name__}; is it loaded, and does"
                                                   f" it declare {model.__name__} in hub_register_settings?")])
