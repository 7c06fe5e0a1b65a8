"""Settings of the erp_sap plugin: the ``[plugins.erp_sap]`` table of hub.toml.

Declared to the hub in ``hub_register_settings``; the hub validates the table and the
plugin reads the result (``runtime.plugin_settings(PLUGIN, ErpSapSettings)``). Every
``hub`` command imports this module, so it imports nothing heavy (no zeep, no lxml).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

PLUGIN = "erp_sap"
SYSTEM_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
DEFAULT_WSDL = Path(__file__).resolve().parent / "wsdl" / "SalesOrderERPCreateRequestConfirmation_In.wsdl"


class ErpSapSettings(BaseModel):
    """How the hub talks to one SAP ERP."""

    model_config = {"extra": "forbid"}

    order_channel: Literal["soap", "idoc"] = Field(
        default="soap", description="How sales orders go to the ERP: SOAP service or ORDERS05 IDoc.")
    wsdl: str = Field(default=str(DEFAULT_WSDL), description="WSDL of SalesOrderERPCreateRequestConfirmation_In.")
    endpoint: str | None = Field(default=None, description="SOAP endpoint; default: the WSDL's address.")
    username: str | None = Field(default=None, description="User for SOAP and the ERP's IDoc HTTP port.")
    password: SecretStr | None = Field(default=None, description="Password (never logged or shown).")
    timeout: float = Field(default=10.0, gt=0, description="Seconds for one SOAP call or HTTP post.")
    sales_org: str = Field(default="1000", description="Default sales organisation of orders.")
    distribution_channel: str = Field(default="10", description="Default distribution channel.")
    division: str = Field(default="00", description="Default division.")
    one_time_customer: str | None = Field(
        default=None, description="ERP number of the one-time customer account (CPD): orders whose sold-to "
                                  "party has no ERP number go on it at once, with the name and address the order "
                                  "gives (ORDERS05 only carries those). Unset: such orders wait for the partner.")
    cancel_reason: str = Field(
        default="00", min_length=1, max_length=3,
        description="Reason for rejection (ABGRU, table TVAG) a cancelled order's items get in the ERP (ORDCHG).")
    transient_fault_ids: list[str] = Field(
        default_factory=list, description="StandardMessageFault ids to retry (e.g. SAP lock messages).")
    inbound_dir: Path = Field(default=Path("var/erp_sap/in"), description="File port: IDocs from the ERP.")
    outbound_dir: Path = Field(default=Path("var/erp_sap/out"), description="File port: IDocs for the ERP.")
    idoc_url: str | None = Field(
        default=None, description="The ERP's IDoc-XML HTTP inbound; outbound IDocs go to the file port without it.")
    definitions_dir: Path = Field(
        default=Path("idoc_definitions"), description="IDoc definitions imported by `hub idoc import-definition`.")
    encoding: str = Field(default="utf-8", description="Character set of flat IDoc files.")
    masterdata_url: str | None = Field(
        default=None,
        description="URL template `hub load` fetches IDoc-XML from when no file is named; "
                    "{message_type} becomes DEBMAS or MATMAS.")
    request_url: str | None = Field(
        default=None,
        description="URL template of the ERP's request load: a document waiting for a customer or material"
                    " the hub does not know makes the hub fetch its DEBMAS or MATMAS here; {message_type}"
                    " becomes DEBMAS or MATMAS, {number} the ERP's number. Without it documents wait for the"
                    " ERP to send the object on its own.")
    request_minutes: float = Field(
        default=10.0, gt=0, description="How long to wait before asking the ERP again for an object it has not"
                                        " sent (the request load)." )
    replicate_partners: bool = Field(
        default=True, description="Send partners created or changed outside the ERP to it as DEBMAS.")
    acknowledge: bool = Field(default=True, description="Send ALEAUD for every IDoc the hub processed.")
    max_body_bytes: int | None = Field(
        default=None, ge=1,
        description="Largest IDoc-XML packet the HTTP port takes (413 above it); default: [http] max_body_bytes.")
    poll_seconds: float = Field(default=5.0, gt=0, description="How often the file port looks for new files.")
    pos_channel: Literal["wpubon", "wpuums"] = Field(
        default="wpubon",
        description="POS sales to the ERP: each receipt as WPUBON, or per store, day and article as WPUUMS "
                    "(the one setting that chooses; the store plugin sends every counted receipt either way).")
    pos_days_open: int = Field(
        default=1, ge=0, description="WPUUMS: a store's business day is sent this many days after it "
                                     "(0: as soon as the day is over).")
    pos_close_minutes: float = Field(default=15.0, gt=0, description="How often the WPUUMS job looks for closed days.")
    sender_port: str = Field(default="CRMHUB", description="SNDPOR of outbound IDocs.")
    sender_partner: str = Field(default="CRMHUB", description="SNDPRN (logical system) of outbound IDocs.")
    receiver_port: str = Field(default="SAPERP", description="RCVPOR of outbound IDocs.")
    receiver_partner: str = Field(default="ERPCLNT100", description="RCVPRN (logical system) of the ERP.")
    edi_partners: dict[str, str] = Field(
        default_factory=dict,
        description="EDI partners whose IDocs (customer orders from an EDI converter) reach the hub through"
                    " this plugin's ports: sending partner (SNDPRN of the control record) -> the name of the"
                    " system they are recorded as coming from. Their orders go to the ERP like a shop's, and"
                    " the ERP is sent no ALEAUD for them; IDocs of any other sender are the ERP's.")

    @field_validator("edi_partners")
    @classmethod
    def _edi_systems(cls, partners: dict[str, str]) -> dict[str, str]:
        """Each partner a system name of its own, none of them the ERP's."""
        for sender, system in partners.items():
            if not SYSTEM_NAME.fullmatch(system) or system == PLUGIN:
                raise ValueError(f"EDI partner {sender}: {system!r} is not a system name of its own"
                                 f" (a-z, 0-9 and _, at most 40 characters, not {PLUGIN!r})")
        if len(set(partners.values())) < len(partners):
            raise ValueError("two EDI partners are given the same system name")
        return partners

