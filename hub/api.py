"""The public plugin API: the one hub module a plugin imports (with ``hub.testing``, and
``hookimpl`` from ``hub``).

Everything a plugin may rely on is named here and documented in ``docs/plugins.md``;
what is not named here may change without notice. A test fails when a module under
``plugins/`` imports anything of the hub beyond ``hub``, ``hub.api`` and ``hub.testing``,
and another when a name of this module is not documented.

The names, by what they are for:

- registering: the hook implementations receive a ``PluginRegistry`` and add specs to
  it (``CodecSpec``, ``TransportSpec``, ``RouteSpec``...); ``SettingsRegistry`` takes the
  plugin's settings model;
- raw documents (``RawDocument``, ``Segment``) that codecs make and mapping tables read;
- the canonical model (``Partner``, ``SalesOrder``, ``RetailTransaction``...), the only
  thing plugins share;
- errors, sorted by what the hub does with them (``ConfigError``, ``DocumentError``,
  ``PermanentError``, ``TransientError``...);
- HTTP: route authentication (``PUBLIC``, ``BASIC``, ``ApiKey``, ``Verify``),
  ``verify_hmac``, ``receive_payload``;
- outbound messages (``OutboundMessage``, ``DeliveryResult``, ``NewMessage``);
- inbound outcomes (``IngestOutcome``).
"""

from __future__ import annotations

from hub.cli.output import json_option, print_json, print_table
from hub.cli.plugin_context import pass_plugin_context
from hub.core.errors import (
    AuthenticationError,
    BodyTooLarge,
    ConfigError,
    DeliveryError,
    DocumentError,
    HubError,
    MappingError,
    NotFoundError,
    PermanentError,
    Problem,
    StaleUpdateError,
    TransientError,
)
from hub.core.inbound.outcome import IngestOutcome, summarise
from hub.core.inbound.pool import IngestJob, IngestPool, IngestPoolError, PoolResult
from hub.core.model import (
    AccrualBasis,
    AccrualRule,
    Address,
    BillingDocument,
    BillingFrequency,
    BillingItem,
    BillingPlan,
    BillingPlanDate,
    BillingType,
    Block,
    Cancellation,
    CanonicalModel,
    CardStatus,
    ConditionCalculation,
    ContractItem,
    ContractStatus,
    CountryCode,
    Coupon,
    CouponKind,
    CouponRedemption,
    CouponStatus,
    CoveredObject,
    CurrencyCode,
    DOCUMENT_TYPES,
    Document,
    DocumentReference,
    ExactDecimal,
    ExpiryKind,
    ExpiryPolicy,
    ExternalRef,
    FieldProblem,
    InvalidDocumentError,
    ItemStatus,
    LanguageCode,
    LineDiscount,
    LineKind,
    ListPrice,
    LoyaltyCard,
    LoyaltyMembership,
    LoyaltyProgramme,
    MembershipStatus,
    MeterReading,
    Money,
    OrderStatus,
    Partner,
    PartnerFunction,
    PartnerFunctionRole,
    PartnerKind,
    PartnerRole,
    PaymentStatus,
    Phone,
    PointAccount,
    PointLot,
    PointTransaction,
    PointTransactionKind,
    PointType,
    PricingCondition,
    Product,
    ProductDescription,
    ProductKind,
    ProductStatus,
    ProgrammePartner,
    ProgrammeStatus,
    QualificationRule,
    Quantity,
    Quotation,
    QuotationStatus,
    RedemptionRule,
    Relationship,
    RenewalTerms,
    ResponseTime,
    RetailLine,
    RetailTransaction,
    RetailTransactionType,
    SalesArea,
    SalesContract,
    SalesContractKind,
    SalesDocument,
    SalesItem,
    SalesOrder,
    ScheduleLine,
    ServiceContract,
    ServiceContractItem,
    ServiceLevel,
    StatusChange,
    Tax,
    TaxNumber,
    Tender,
    TenderKind,
    Tier,
    Timestamp,
    UnitCode,
    UnitConversion,
    UsageBilling,
    document_class,
    field_error,
    field_problems,
    new_hub_id,
    utcnow,
    validate_document,
)
from hub.core.plugins.authentication import BASIC, PUBLIC, ApiKey, Authentication, Basic, Public, Verify
from hub.core.plugins.registry import (
    CodecSpec,
    InboundSpec,
    JobSpec,
    LoaderSpec,
    PluginRegistry,
    RouteSpec,
    SubscriptionSpec,
    TransportSpec,
)
from hub.core.plugins.contracts import (
    AcceptsPayload,
    ApplyChange,
    CanonicalChange,
    ChunkListener,
    HandlerFactory,
    JobFunction,
    ListenerFactory,
    MessageHandler,
    OpenedSource,
    OpenSource,
    Origin,
    ParsePayload,
    PostedChunk,
    RenderDocuments,
    RouteHandler,
    Transport,
    TransportFactory,
)
from hub.core.plugins.context import PluginContext
from hub.core.plugins.settings import SettingsRegistry
from hub.core.plugins.transaction import PluginTransaction, SentMessage
from hub.core.store.plugin_state import JsonValue
from hub.core.queue.messages import DeliveryResult, NewMessage, OutboundMessage
from hub.core.queue.outbox import object_queue
from hub.core.raw import RawDocument, RawFormat, Segment
from hub.core.signatures import verify_hmac
from hub.http.receive import Payload, accept_payload, receive_payload, route_context
