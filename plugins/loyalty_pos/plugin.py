"""The loyalty_pos plugin: POS transactions in (ARTS POSLog XML and a JSON shape).

Every ``hub`` command imports this module to validate ``[plugins.loyalty_pos]``, so it
imports only the settings model; each hook imports what it registers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from hub import hookimpl
from plugins.loyalty_pos.settings import LoyaltyPosSettings

if TYPE_CHECKING:
    from hub.api import PluginRegistry, SettingsRegistry

MAPPINGS = Path(__file__).resolve().parent / "mappings"


@hookimpl
def hub_register_settings(registry: SettingsRegistry) -> None:
    """The ``[plugins.loyalty_pos]`` table."""
    registry.set_settings(LoyaltyPosSettings)


@hookimpl
def hub_register_codecs(registry: PluginRegistry) -> None:
    """POSLog XML and the JSON transaction."""
    from plugins.loyalty_pos.codecs import codec_specs

    for spec in codec_specs(registry.settings_as(LoyaltyPosSettings)):
        registry.add_codec(spec)


@hookimpl
def hub_register_mappings(registry: PluginRegistry) -> None:
    """The table from the transaction shape to the canonical retail transaction."""
    registry.add_mapping_folder(MAPPINGS)


@hookimpl
def hub_register_inbound(registry: PluginRegistry) -> None:
    """Transactions the POSLog codec could not read fail with their reason."""
    from hub.api import InboundSpec
    from plugins.loyalty_pos.rejected import rejected_handler
    from plugins.loyalty_pos.shape import REJECTED

    registry.add_inbound(InboundSpec({REJECTED: rejected_handler}))
