"""``PluginTransaction``: what a plugin may do inside one transaction of the hub."""

from __future__ import annotations

from hub.core.masterdata import Incoming
from hub.core.runtime import HubRuntime
from hub.testing import samples


def _plugin(runtime: HubRuntime) -> str:
    """Any installed plugin: the lookup does not depend on which one asks."""
    return sorted(runtime.loaded_plugins.settings)[0]


def test_partners_with_email_finds_the_partner_another_system_wrote_in_any_case(hub_runtime: HubRuntime) -> None:
    masterdata = hub_runtime.masterdata()
    [anna] = masterdata.upsert_many([Incoming(samples.person(hub_id=None, emails=["Anna.Schmidt@Example.org"]),
                                              "ecommerce")])
    masterdata.upsert_many([Incoming(samples.person(hub_id=None, first_name="Berta", last_name="Berg",
                                                    emails=["berta@example.org"]), "ecommerce")])
    with hub_runtime.plugin_context(_plugin(hub_runtime)).reading() as transaction:
        assert transaction.partners_with_email(" anna.schmidt@EXAMPLE.org ") == [anna.hub_id]
        assert transaction.partners_with_email("nobody@example.org") == []


def test_partners_with_email_leaves_merged_partners_out(hub_runtime: HubRuntime) -> None:
    masterdata = hub_runtime.masterdata()
    [first, second] = masterdata.upsert_many([
        Incoming(samples.person(hub_id=None, emails=["anna@example.org"]), "ecommerce"),
        Incoming(samples.person(hub_id=None, first_name="Anne", emails=["anna@example.org"]), "loyalty_pos")])
    with hub_runtime.plugin_context(_plugin(hub_runtime)).reading() as transaction:
        assert transaction.partners_with_email("anna@example.org") == sorted([first.hub_id, second.hub_id])
    masterdata.merge(first.hub_id, second.hub_id)
    with hub_runtime.plugin_context(_plugin(hub_runtime)).reading() as transaction:
        assert transaction.partners_with_email("anna@example.org") == [first.hub_id]
