"""The contracts plugin: release orders against sales contracts, billing plans of service
contracts (each date billed once), usage billing, renewal, cancellation, and the report
of contracts nearing their end.

It speaks to no system of its own: it follows canonical changes (subscriptions) and
writes canonical documents, and the billing requests it writes go to the ERP like any
order. Every ``hub`` command imports this module to validate ``[plugins.contracts]``, so
it imports only the settings model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub import hookimpl
from plugins.contracts.settings import ContractsSettings

if TYPE_CHECKING:
    from hub.api import PluginRegistry, SettingsRegistry


@hookimpl
def hub_register_settings(registry: SettingsRegistry) -> None:
    """The ``[plugins.contracts]`` table."""
    registry.set_settings(ContractsSettings)


@hookimpl
def hub_register_transports(registry: PluginRegistry) -> None:
    """Subscriptions: contracts (index, billing rows), release orders, the ERP's invoices."""
    from hub.api import SubscriptionSpec
    from plugins.contracts.invoices import invoice_subscriber
    from plugins.contracts.releases import calls_off_contract, release_subscriber
    from plugins.contracts.writes import contract_subscriber

    settings = registry.settings_as(ContractsSettings)
    registry.add_subscription(SubscriptionSpec("contracts", ("sales_contract", "service_contract"),
                                               contract_subscriber(settings),
                                               description="Contract index and billing-plan dates"))
    registry.add_subscription(SubscriptionSpec("releases", ("sales_order",), release_subscriber(settings),
                                               description="Release orders update their sales contract",
                                               wants=calls_off_contract))
    registry.add_subscription(SubscriptionSpec("invoices", ("billing_document",), invoice_subscriber(settings),
                                               description="Invoices of billing-plan dates link back"))


@hookimpl
def hub_register_jobs(registry: PluginRegistry) -> None:
    """The billing run; renewals and the report of contracts nearing their end."""
    from hub.api import JobSpec
    from plugins.contracts.billing import billing_job
    from plugins.contracts.ending import ending_job

    settings = registry.settings_as(ContractsSettings)
    registry.add_job(JobSpec("contracts.billing", billing_job, "interval", {"minutes": settings.billing_minutes},
                             "Request due billing-plan dates from the ERP, each once"))
    registry.add_job(JobSpec("contracts.ending", ending_job, "interval", {"hours": settings.ending_check_hours},
                             "Renew contracts due for renewal; report contracts nearing their end"))


@hookimpl
def hub_register_write_rules(registry: PluginRegistry) -> None:
    """A cancellation sent through the REST API keeps the notice period, as ``hub contract cancel``."""
    from hub.api import WriteRuleSpec
    from plugins.contracts.api_rules import cancellation_rule

    registry.add_write_rule(WriteRuleSpec("cancellation", "service_contract", cancellation_rule,
                                          description="Cancellations keep the notice period"))


@hookimpl
def hub_register_commands(registry: PluginRegistry) -> None:
    """``hub contract ...``."""
    from plugins.contracts.cli import contract

    registry.add_command(contract)
