"""Composition root: the one place that picks concrete adapters and wires them into the use cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from limits.aio.storage import MemoryStorage
from sqlalchemy.ext.asyncio import AsyncEngine

from maas.domain.fare_rules import FareRules
from maas.domain.payments import PaymentGateway
from maas.domain.realtime import RealtimePublisher
from maas.domain.translations import TranslationSource
from maas.domain.ondemand import RideStore
from maas.domain.ports import (Clock, FeedArchive, FeedReader, JourneyPlanner, OperatorAdapter, PasswordHasher,
                               UnitOfWorkFactory)
from maas.domain.quotes import QuoteStore
from maas.domain.status import StatusReader
from maas.domain.vehicle_holds import VehicleHolds
from maas.plugins import OperatorConfigError, build_adapters, load_operators_config
from maas.routing_adapter.feed_archive import DirectoryFeedArchive, NetworkSources
from maas.routing_adapter.gtfs_reader import GtfsFeedReader
from maas.routing_adapter.planner import RaptorJourneyPlanner
from maas.routing_adapter.realtime_publish import GtfsRtPublisher
from maas.routing_adapter.realtime_sources import RealtimePoller, load_realtime_config
from maas.routing_adapter.streets import load_street_router
from maas.routing_adapter.translations import FeedTranslations
from maas.analysis_report import MatplotlibReportRenderer
from maas.domain.analyses import AccessibilityEngine, RideArea
from maas.domain.plausibility import EventWindow
from maas.routing_adapter.accessibility import RaptorAccessibilityEngine
from maas.routing_adapter.scenarios import RaptorScenarioEngine
from maas.metrics import ServiceMetrics
from maas.ratelimit import RateLimits, storage_from_setting
from maas.security import Argon2PasswordHasher
from maas.services.analyses import AnalysisService
from maas.services.ridership import RidershipService
from maas.services.auth import AuthService
from maas.services.bookings import BookingService
from maas.services.settlement import SettlementService
from maas.services.door_to_door import DoorToDoorService
from maas.services.feeds import FeedService
from maas.services.health import HealthService
from maas.services.offers import OfferService
from maas.services.on_demand import OnDemandService
from maas.services.operators import OperatorService
from maas.services.payment_events import PaymentEventService
from maas.services.places import PlaceService
from maas.services.passes import PassService
from maas.services.payment_methods import PaymentMethodService
from maas.services.planning import PlanningService
from maas.services.entitlements import EntitlementService
from maas.services.privacy import PrivacyService
from maas.services.retention import RetentionSchedule, RetentionService
from maas.services.rider_fares import RiderFares
from maas.services.ride_news import RideNews
from maas.services.rider_events import EventService
from maas.services.riders import RiderDirectory
from routing.plan import Network
from maas.services.transit_tickets import TransitTicketOffice
from maas.services.operator_callbacks import OperatorCallbacks
from maas.services.trip_events import TripEventService
from maas.services.stops import StopService
from maas.services.tickets import TicketService
from maas.services.webhook_delivery import DeliveryWorker, WebhookDispatcher
from maas.services.webhooks import WebhookService
from maas.settings import Settings
from maas.storage.engine import create_engine
from maas.storage.field_cipher import FieldCipher
from maas.storage.personal_data import SqlPersonalData
from maas.storage.rides import SqlRideStore
from maas.storage.quotes import SqlQuoteStore
from maas.storage.rate_limits import SqlRateLimitStorage
from maas.storage.signing_keys import SqlSigningKeys
from maas.storage.status import SqlStatusReader
from maas.storage.vehicle_holds import SqlVehicleHolds
from maas.storage.unit_of_work import SqlUnitOfWorkFactory
from maas.ticket_keys import TicketKeyRing
from maas.ticketing import Ed25519TicketSigner
from maas.domain.webhooks import RetryPolicy, WebhookSender
from maas.webhook_http import AiohttpWebhookSender
from maas.webhook_secrets import FernetSecretBox
from payments.config import gateway_from_settings


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine | None  # None when the tests gave a unit of work of their own
    uow: UnitOfWorkFactory
    auth: AuthService
    operators: OperatorService
    feeds: FeedService
    places: PlaceService
    stops: StopService
    health: HealthService
    planning: PlanningService
    offers: OfferService
    door_to_door: DoorToDoorService
    on_demand: OnDemandService
    bookings: BookingService
    payments: PaymentGateway
    payment_events: PaymentEventService
    tickets: TicketService
    settlement: SettlementService
    trip_events: TripEventService
    passes: PassService
    payment_methods: PaymentMethodService
    analyses: AnalysisService
    ridership: RidershipService
    riders: RiderDirectory
    rider_fares: RiderFares
    operator_callbacks: OperatorCallbacks
    entitlements: EntitlementService
    privacy: PrivacyService
    retention: RetentionService
    events: EventService
    ride_news: RideNews
    webhooks: WebhookService
    webhook_dispatcher: WebhookDispatcher
    delivery_worker: DeliveryWorker
    webhook_sender: WebhookSender
    operator_adapters: dict[str, OperatorAdapter] = field(default_factory=dict)
    names: TranslationSource | None = None  # the feeds' translated names; None: names as the feeds write them
    realtime: RealtimePoller | None = None  # GTFS-Realtime sources, polled while the app runs; None when unset
    publisher: RealtimePublisher = field(default_factory=GtfsRtPublisher)  # the vans' positions as GTFS-RT
    rate_limits: RateLimits | None = None  # None: no limits (MAAS_RATE_LIMITS=false)
    metrics: ServiceMetrics | None = None
    ticket_keys: TicketKeyRing | None = None  # None without a database: the signer keeps its key
    status: StatusReader | None = None  # the database's figures for /metrics; None without an engine
    network: Callable[[], Network] | None = None  # the planner's feed set, for publishing (maas export)

    async def aclose(self) -> None:
        await self.analyses.aclose()  # running analyses stop before the database goes
        await self.delivery_worker.aclose()  # and so do webhook deliveries and the vans' watcher
        await self.ride_news.aclose()
        for adapter in self.operator_adapters.values():
            await adapter.aclose()
        await self.payments.aclose()
        if self.rate_limits is not None:
            await self.rate_limits.aclose()
        close = getattr(self.webhook_sender, "aclose", None)
        if close is not None:
            await close()
        if self.engine is not None:
            await self.engine.dispose()


def load_fare_rules(path: Path | None) -> FareRules:
    """The municipality's fare rules from their JSON file; none when no file is configured."""
    if path is None:
        return FareRules()
    try:
        return FareRules.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"MAAS_FARE_RULES {path}: {exc}") from exc


def build_accessibility_engine(settings: Settings, journey_planner: JourneyPlanner) -> AccessibilityEngine:
    """The project's router over the planner's network (or its own when the planner is a stand-in); R5 when
    MAAS_ACCESS_ENGINE=r5, imported only then."""
    if isinstance(journey_planner, RaptorJourneyPlanner):
        planner = journey_planner
    else:
        planner = RaptorJourneyPlanner(NetworkSources(settings.demo_dir / "gtfs", DirectoryFeedArchive(
            settings.data_dir / "feeds")), settings.data_dir / "cache")
    raptor = RaptorAccessibilityEngine(planner.network,
                                       default_population=settings.population or settings.demo_dir / "population.csv")
    if settings.access_engine != "r5":
        return raptor
    from maas.routing_adapter.r5 import R5AccessibilityEngine

    assert settings.r5_jar is not None and settings.r5_osm is not None  # the settings insist
    return R5AccessibilityEngine(settings.r5_jar, settings.r5_osm, lambda: planner.network().sources,
                                 settings.data_dir / "cache" / "r5", origins_from=raptor)


def build_scenario_engine(settings: Settings, journey_planner: JourneyPlanner) -> RaptorScenarioEngine:
    """Scenario edits and route performance on the planner's network (always the project's router)."""
    if isinstance(journey_planner, RaptorJourneyPlanner):
        return RaptorScenarioEngine(journey_planner.network)
    return RaptorScenarioEngine(RaptorJourneyPlanner(NetworkSources(settings.demo_dir / "gtfs", DirectoryFeedArchive(
        settings.data_dir / "feeds")), settings.data_dir / "cache").network)


def build_realtime(settings: Settings, journey_planner: JourneyPlanner) -> RealtimePoller | None:
    """The configured GTFS-Realtime sources over the planner's feeds (a source names its feed's key)."""
    if settings.realtime_config is None:
        return None
    config = load_realtime_config(settings.realtime_config)

    def static_paths() -> dict[str, tuple[Path, str]]:
        if not isinstance(journey_planner, RaptorJourneyPlanner):
            return {}
        network = journey_planner.network()
        return {key: (source.path, source.digest) for key, source in zip(network.keys, network.sources)}
    return RealtimePoller(config, static_paths)


def build_container(
    settings: Settings,
    *,
    clock: Clock | None = None,
    hasher: PasswordHasher | None = None,
    feed_reader: FeedReader | None = None,
    journey_planner: JourneyPlanner | None = None,
    operator_adapters: dict[str, OperatorAdapter] | None = None,
    payments: PaymentGateway | None = None,
    payout_accounts: dict[str, str] | None = None,
    uow: UnitOfWorkFactory | None = None,
    ride_store: RideStore | None = None,
    vehicle_holds: VehicleHolds | None = None,
    quote_store: QuoteStore | None = None,
    webhook_sender: WebhookSender | None = None,
) -> Container:
    """Wire the service; raises OperatorConfigError (naming the operator) when an enabled
    operator adapter is missing or breaks the contract. The storage seam: given `uow` (and the
    on-demand `ride_store`, the shared vehicles' `vehicle_holds`), no database engine is made;
    a store left out then is needed only by configured operators or analyses, which say so."""
    clock = clock or SystemClock()
    engine, cipher = None, None
    if uow is None:
        engine = create_engine(settings.database_url)
        cipher = FieldCipher.load_or_create(settings.data_key_file or settings.data_dir / "keys" / "data-keys.json")
        uow = SqlUnitOfWorkFactory(engine, cipher)
        ride_store = ride_store or SqlRideStore(engine, clock)
        vehicle_holds = vehicle_holds or SqlVehicleHolds(engine, clock)
        quote_store = quote_store or SqlQuoteStore(engine)
    hasher = hasher or Argon2PasswordHasher()
    # Imported feeds are kept under data_dir/feeds; the planner routes over the demo region's
    # feed plus those, with compiled timetables and fares cached under data_dir/cache.
    archive: FeedArchive = DirectoryFeedArchive(settings.data_dir / "feeds")
    names: TranslationSource | None = None
    # With MAAS_OSM_FILE the planner's walks and the vans and taxis go by its streets (graph cached in data_dir/cache).
    streets = (load_street_router(settings.osm_file, settings.data_dir / "cache")
               if settings.osm_file is not None else None)
    if journey_planner is None:
        sources = NetworkSources(settings.demo_dir / "gtfs", DirectoryFeedArchive(settings.data_dir / "feeds"))
        journey_planner = RaptorJourneyPlanner(sources, settings.data_dir / "cache", streets=streets)
        names = FeedTranslations(sources)
    if operator_adapters is None:
        operator_adapters = {}
        if settings.operators_config is not None:
            config = load_operators_config(settings.operators_config)
            if payout_accounts is None:
                payout_accounts = {e.id: e.payout_account for e in config.operators if e.payout_account}
            # On-demand operators keep their rides, day plans and quotes, shared-vehicle operators
            # their bookings and held vehicles, in the service's database (seen by every process).
            operator_adapters = build_adapters(config, settings.operators_config.parent, clock,
                                               extras={k: v for k, v in (("ride_store", ride_store),
                                                                         ("vehicle_holds", vehicle_holds),
                                                                         ("street_router", streets),
                                                                         ("quote_store", quote_store))
                                                       if v is not None})
    if payments is None:
        secret = settings.stripe_webhook_secret
        payments = gateway_from_settings(
            settings.stripe_api_key.get_secret_value() if settings.stripe_api_key else None,
            secret.get_secret_value() if secret else None, settings.stripe_api_base)
    rules = load_fare_rules(settings.fare_rules)
    metrics = ServiceMetrics()
    offers = OfferService(operator_adapters, budget_s=settings.operator_budget_s, uow=uow, clock=clock,
                          observe=metrics.observe_operator)
    # Transit legs are booked through the platform's own ticket office, beside the operators.
    office = TransitTicketOffice(uow, clock) if settings.sell_transit_tickets else None
    if office is not None and office.operator_id in operator_adapters:
        raise OperatorConfigError(f"operator id {office.operator_id!r} is reserved for the platform's transit "
                                  "tickets; rename the operator or set MAAS_SELL_TRANSIT_TICKETS=false")
    realtime = build_realtime(settings, journey_planner)
    planning = PlanningService(journey_planner, clock, tickets=office, remember=offers.remember,
                               realtime=None if realtime is None else realtime.info)
    sellers = {**operator_adapters, **({office.operator_id: office} if office is not None else {})}
    bookings = BookingService(uow, sellers, payments, clock, rules=rules,
                              confirm_within_s=settings.booking_confirm_within_s, payouts=payout_accounts or {})
    personal = SqlPersonalData(engine, cipher) if engine is not None else None
    schedule = RetentionSchedule(ride_places_days=settings.retention_ride_places_days,
                                 refusals_days=settings.retention_refusals_days, audit_days=settings.retention_audit_days)
    # Ticket keys live in the database (maas/ticket_keys.py), loaded when the app starts; until
    # then (and without a database) the key file of earlier releases, or a key of this process.
    legacy_key = settings.data_dir / "keys" / "ticket-signing-key.pem"
    signer = (Ed25519TicketSigner.load_or_create(legacy_key) if legacy_key.exists() or engine is None
              else Ed25519TicketSigner.generate())
    ticket_keys = (TicketKeyRing(SqlSigningKeys(engine), signer, settings.secret_key.get_secret_value(), clock,
                                 legacy_pem=legacy_key) if engine is not None else None)
    events = EventWindow(before_s=settings.trip_event_before_s, after_s=settings.trip_event_after_s)
    # Rider events: the outbox is written with each booking change; webhooks are delivered by a
    # worker in this process, woken after each commit (a job queue can take the dispatcher over).
    box = FernetSecretBox(settings.secret_key.get_secret_value())
    webhook_sender = webhook_sender or AiohttpWebhookSender(timeout_s=settings.webhook_timeout_s)
    dispatcher = WebhookDispatcher(uow, webhook_sender, box, clock, policy=RetryPolicy(
        base_s=settings.webhook_retry_base_s, disable_after=dt.timedelta(days=settings.webhook_disable_after_days)))
    worker = DeliveryWorker(dispatcher, interval_s=settings.webhook_poll_s)
    rider_events = EventService(uow, clock, wake=worker)
    bookings.on_events = rider_events.committed
    ride_news = RideNews(operator_adapters, uow, bookings, rider_events, clock)
    payment_events = PaymentEventService(uow, payments, clock)
    payment_events.on_events = rider_events.committed
    trip_events = TripEventService(sellers, bookings, clock, events=events)
    on_demand = OnDemandService(operator_adapters, clock, remember=offers.remember, on_event=ride_news.reported,
                                refusals=uow, events=events, rules=rules)
    return Container(
        settings=settings,
        engine=engine,
        uow=uow,
        auth=AuthService(uow, hasher, clock, secret_key=settings.secret_key.get_secret_value(),
                         token_ttl_s=settings.token_ttl_s),
        operators=OperatorService(uow, clock),
        feeds=FeedService(uow, feed_reader or GtfsFeedReader(), clock, archive),
        places=PlaceService(uow),
        stops=StopService(uow),
        health=HealthService(uow, realtime=None if realtime is None else realtime.info, clock=clock,
                             feed_failures=(journey_planner.feed_failures
                                            if isinstance(journey_planner, RaptorJourneyPlanner) else None)),
        planning=planning,
        offers=offers,
        door_to_door=DoorToDoorService(planning, journey_planner, offers, clock=clock),
        names=names,
        on_demand=on_demand,
        bookings=bookings,
        tickets=TicketService(bookings, signer, clock, uow),
        settlement=SettlementService(uow, municipality=rules.municipality or "municipality"),
        payments=payments,
        payment_events=payment_events,
        trip_events=trip_events,
        passes=PassService(uow, payments, clock, rules),
        payment_methods=PaymentMethodService(uow, payments, clock),
        analyses=AnalysisService(uow, clock, accessibility_engine=build_accessibility_engine(settings, journey_planner),
                                 renderer=MatplotlibReportRenderer(), max_running=settings.analysis_workers,
                                 scenario_engine=build_scenario_engine(settings, journey_planner),
                                 ride_store=ride_store,
                                 # On-demand operators lend their zone, hours and speed to the "on_demand" mode.
                                 ride_areas=[a for a in operator_adapters.values() if isinstance(a, RideArea)],
                                 events=events, min_riders=settings.min_riders_per_aggregate),
        ridership=RidershipService(uow, clock),
        riders=RiderDirectory(uow, clock),
        rider_fares=RiderFares(rules),
        operator_callbacks=OperatorCallbacks(sellers, bookings, trip_events),
        entitlements=EntitlementService(uow, clock),
        privacy=PrivacyService(uow, clock, payments, bookings, personal, on_demand),
        retention=RetentionService(uow, personal, clock, schedule),
        events=rider_events,
        ride_news=ride_news,
        webhooks=WebhookService(uow, clock, box, allow_loopback_http=settings.webhooks_allow_loopback_http),
        webhook_dispatcher=dispatcher,
        delivery_worker=worker,
        webhook_sender=webhook_sender,
        operator_adapters=operator_adapters,
        realtime=realtime,
        rate_limits=build_rate_limits(settings, engine),
        metrics=metrics,
        ticket_keys=ticket_keys,
        status=SqlStatusReader(engine) if engine is not None else None,
        network=journey_planner.network if isinstance(journey_planner, RaptorJourneyPlanner) else None,
    )


def build_rate_limits(settings: Settings, engine: AsyncEngine | None) -> RateLimits | None:
    """The limits in the storage the settings name: the database (this process's memory when the
    tests gave a unit of work of their own), Redis, or memory."""
    if not settings.rate_limits:
        return None
    storage = storage_from_setting(settings.rate_limit_storage)
    if storage is None:
        storage = SqlRateLimitStorage(engine) if engine is not None else MemoryStorage()
    return RateLimits(storage, {"sign_in": settings.rate_limit_sign_in, "register": settings.rate_limit_register,
                                "expensive": settings.rate_limit_expensive})
