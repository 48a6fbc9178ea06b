"""A small, typed wrapper over the generated indicators.v1 stubs.

The generated modules (`indicators.v1.*_pb2`) come from `proto/` with
`grpc_tools.protoc`; the build writes them to `build/python`, which must be on
`PYTHONPATH` together with this directory's parent.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import pathlib
import time
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar

import grpc

from google.rpc import error_details_pb2, status_pb2
from indicators.v1 import indicator_service_pb2 as service_pb2
from indicators.v1 import indicator_service_pb2_grpc as service_grpc
from indicators.v1 import resources_pb2
from indicators_client.columns import ColumnDecoder

Indicator = resources_pb2.Indicator
Region = resources_pb2.Region
Source = resources_pb2.Source
Observation = resources_pb2.Observation
DatasetInfo = resources_pb2.DatasetInfo
Warning = service_pb2.ComparabilityWarning
SearchResult = service_pb2.SearchResult

T = TypeVar("T")

# The recommended service config for several replicas (the same JSON as
# client/config/service_config.json): round_robin, health checking, a 10 s
# deadline for unary calls (exports and watches take the caller's) and up to
# 4 attempts on UNAVAILABLE only.
SERVICE_CONFIG = (pathlib.Path(__file__).with_name("service_config.json")).read_text()
# For one address that balances several replicas, such as nginx (the same as
# client/config/service_config_proxy.json): the deadline and retry policy
# without round_robin or health checking.
PROXY_SERVICE_CONFIG = (
    pathlib.Path(__file__).with_name("service_config_proxy.json")).read_text()

# How many times a unary call is made when a proxy resets it (CANCELLED).
MAX_RESET_RETRIES = 4

# How many times one broken export resumes (see `stream_batches`).
MAX_STREAM_RESUMES = 5


def channel_target(target: str) -> str:
    """Returns the gRPC target: several comma-separated IPv4 `a.b.c.d:port`
    addresses become one `ipv4:` target; anything else is kept."""
    return "ipv4:" + target if "," in target else target


def names_replicas(target: str) -> bool:
    """Whether `target` names several replicas (a list or a `dns:` URI)."""
    return "," in target or target.startswith("dns:")


def channel_options(service_config: str) -> List[Tuple[str, object]]:
    """Channel options that apply `service_config` ("" for none)."""
    if not service_config:
        return []
    return [("grpc.service_config", service_config), ("grpc.enable_retries", 1)]


class IndicatorServiceError(Exception):
    """A failed call.

    `code` is the `grpc.StatusCode` and `message` the server's text. For request
    errors the server also sends google.rpc details: `reason` (such as
    "UNKNOWN_INDICATOR") and `field` (such as "filter.region_codes[0]");
    both are "" when it sent none. `violations` lists every (field,
    description) the server named, such as each bad item of an ingest batch.
    """

    def __init__(
        self, code: grpc.StatusCode, message: str, reason: str = "", field: str = "",
        violations: Sequence[Tuple[str, str]] = (),
    ) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.reason = reason
        self.field = field
        self.violations = list(violations)

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> "IndicatorServiceError":
        reason, field = _error_info(error)
        return cls(error.code(), error.details() or "", reason, field,
                   _field_violations(error))


def _status_details(error: grpc.RpcError):
    """Yields the details (Any) of the google.rpc.Status trailer, if any."""
    trailers = getattr(error, "trailing_metadata", lambda: None)() or ()
    for key, value in trailers:
        if key == "grpc-status-details-bin":
            status = status_pb2.Status()
            status.ParseFromString(value)
            yield from status.details


def _field_violations(error: grpc.RpcError) -> List[Tuple[str, str]]:
    """Returns the BadRequest field violations of a failed call."""
    for detail in _status_details(error):
        bad_request = error_details_pb2.BadRequest()
        if detail.Unpack(bad_request):
            return [(v.field, v.description) for v in bad_request.field_violations]
    return []


def retry_delay(error: grpc.RpcError) -> Optional[float]:
    """Seconds the server asked to wait before trying a RESOURCE_EXHAUSTED
    call again (its google.rpc.RetryInfo), or None if it did not say."""
    if error.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
        return None
    for detail in _status_details(error):
        retry = error_details_pb2.RetryInfo()
        if detail.Unpack(retry):
            return max(retry.retry_delay.ToTimedelta().total_seconds(), 0.001)
    return None


def _error_info(error: grpc.RpcError) -> Tuple[str, str]:
    """Returns (reason, field) from the google.rpc.Status trailer, if any."""
    trailers = getattr(error, "trailing_metadata", lambda: None)() or ()
    for key, value in trailers:
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status()
        status.ParseFromString(value)
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                return info.reason, info.metadata.get("field", "")
    return "", ""


@dataclasses.dataclass(frozen=True)
class Filter:
    """Selects observations; every field is optional and they combine with AND.

    Enum fields take the generated constants, e.g.
    `resources_pb2.SOURCE_RELIABILITY_OFFICIAL` or
    `resources_pb2.OBSERVATION_STATUS_FINAL`.
    """

    indicator_ids: Sequence[str] = ()
    region_codes: Sequence[str] = ()
    include_subregions: bool = False
    start_period: str = ""  # YYYY or YYYY-MM, inclusive
    end_period: str = ""  # YYYY or YYYY-MM, inclusive
    source_ids: Sequence[str] = ()
    min_reliability: int = resources_pb2.SOURCE_RELIABILITY_UNSPECIFIED
    statuses: Sequence[int] = ()
    latest_only: bool = False
    preferred: bool = False  # one preferred observation per figure
    known_on: str = ""  # YYYY-MM-DD: only figures published by then

    def to_proto(self) -> service_pb2.ObservationFilter:
        return service_pb2.ObservationFilter(
            indicator_ids=list(self.indicator_ids),
            region_codes=list(self.region_codes),
            include_subregions=self.include_subregions,
            start_period=self.start_period,
            end_period=self.end_period,
            source_ids=list(self.source_ids),
            min_reliability=self.min_reliability,
            statuses=list(self.statuses),
            latest_only=self.latest_only,
            source_mode=(
                service_pb2.SOURCE_MODE_PREFERRED
                if self.preferred
                else service_pb2.SOURCE_MODE_ALL
            ),
            known_on=self.known_on,
        )


@dataclasses.dataclass(frozen=True)
class ValueOptions:
    """How to express values (`ValueOptions` of the contract).

    `currency` "USD" or "CNY" converts money at the dataset's annual average
    rate; `unit_multiplier` expresses amounts in that power of ten (8 for
    10^8, as Chinese statistics publish); `growth` gives year-on-year growth
    in percent. A value that cannot be converted raises, unless
    `skip_unconvertible` (then it comes back as published, with a
    NOT_CONVERTED warning). Converted observations carry `conversion`
    (original value and unit, and the rate observation used).
    `include_bounds` gives each observation its `bounds`: the interval its
    sources allow (carried through any conversion), which `to_pandas` adds
    as `value_lower` and `value_upper`.
    """

    currency: str = ""
    unit_multiplier: Optional[int] = None
    growth: bool = False
    skip_unconvertible: bool = False
    include_bounds: bool = False

    def to_proto(self) -> service_pb2.ValueOptions:
        options = service_pb2.ValueOptions(
            currency=self.currency,
            transform=(service_pb2.VALUE_TRANSFORM_GROWTH if self.growth
                       else service_pb2.VALUE_TRANSFORM_UNSPECIFIED),
            skip_unconvertible=self.skip_unconvertible,
            include_bounds=self.include_bounds)
        if self.unit_multiplier is not None:
            options.unit_multiplier.value = self.unit_multiplier
        return options


class Observations(list):
    """A list of observations with the comparability warnings that came with
    them (`warnings`: `ComparabilityWarning` messages, each with a `code`, a
    `message` and the `figures` concerned)."""

    def __init__(self, items=(), warnings=()):
        super().__init__(items)
        self.warnings: List[Warning] = list(warnings)


def warning_name(code: int) -> str:
    """Returns 'MIXED_STATUS', 'DIFFERENT_RATES', ... for a `WarningCode`."""
    return service_pb2.WarningCode.Name(code).removeprefix("WARNING_CODE_")


class IndicatorClient:
    """Calls the indicator service; each call has a deadline of `timeout` seconds.

    `target` is one server (`host:port`) or several replicas (`a:p1,b:p2` or
    `dns:///name:port`). `service_config` is "auto" (`SERVICE_CONFIG` for
    several replicas, none for one server), "replicas", "proxy"
    (`PROXY_SERVICE_CONFIG`, for one address balancing replicas, such as
    nginx) or "none". With a config, a call that fails with UNAVAILABLE is
    tried on another replica, and a unary call a proxy resets (CANCELLED) is
    made again. `token` is sent as `authorization: Bearer <token>` on every
    call. With `tls_ca_file` (the CA that signed the server's certificate) the
    channel uses TLS; add `tls_cert_file` and `tls_key_file` for mutual TLS.
    Every method raises `IndicatorServiceError` when the call fails. Use as a
    context manager, or call `close()`.
    """

    def __init__(
        self,
        target: str = "127.0.0.1:50051",
        *,
        timeout: float = 10.0,
        channel: Optional[grpc.Channel] = None,
        service_config: str = "auto",
        token: str = "",
        tls_ca_file: str = "",
        tls_cert_file: str = "",
        tls_key_file: str = "",
    ) -> None:
        if service_config == "auto":
            service_config = "replicas" if names_replicas(target) else "none"
        configs = {"replicas": SERVICE_CONFIG, "proxy": PROXY_SERVICE_CONFIG, "none": ""}
        if service_config not in configs:
            raise ValueError(f"service_config must be one of auto, {', '.join(configs)}")
        self._retry_resets = service_config != "none"
        self._metadata = (("authorization", f"Bearer {token}"),) if token else None
        options = channel_options(configs[service_config])
        if channel is None and tls_ca_file:
            read = lambda path: pathlib.Path(path).read_bytes() if path else None
            credentials = grpc.ssl_channel_credentials(
                root_certificates=read(tls_ca_file),
                private_key=read(tls_key_file),
                certificate_chain=read(tls_cert_file))
            channel = grpc.secure_channel(channel_target(target), credentials,
                                          options=options)
        elif channel is None:
            channel = grpc.insecure_channel(channel_target(target), options=options)
        self._channel = channel
        self._stub = service_grpc.IndicatorServiceStub(self._channel)
        self._timeout = timeout

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "IndicatorClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, method: Callable, request):
        deadline = time.monotonic() + self._timeout
        attempt = 0
        while True:
            attempt += 1
            try:
                return method(request, timeout=max(deadline - time.monotonic(), 0.001),
                              metadata=self._metadata)
            except grpc.RpcError as error:
                # Over the caller's quota: wait as told, within the deadline.
                delay = retry_delay(error)
                if delay is not None and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    continue
                # This client never cancels a unary call: CANCELLED means a
                # proxy reset it; every unary method is safe to repeat.
                reset = error.code() == grpc.StatusCode.CANCELLED
                if not (reset and self._retry_resets) or attempt == MAX_RESET_RETRIES:
                    raise IndicatorServiceError.from_rpc_error(error) from None
                time.sleep(0.05 * attempt)

    def _all_pages(self, method: Callable, request, items: str) -> List:
        out: List = []
        while True:
            response = self._call(method, request)
            out.extend(getattr(response, items))
            if not response.next_page_token:
                return out
            request.page_token = response.next_page_token

    def list_indicators(self, include_derived: bool = False) -> List[Indicator]:
        """Returns every published indicator, ordered by id; with
        `include_derived` also those the service computes (`derivation` set)."""
        return self._all_pages(
            self._stub.ListIndicators,
            service_pb2.ListIndicatorsRequest(
                page_size=1000, include_derived=include_derived),
            "indicators",
        )

    def get_indicator(self, indicator_id: str) -> Indicator:
        return self._call(
            self._stub.GetIndicator, service_pb2.GetIndicatorRequest(id=indicator_id)
        )

    def list_regions(
        self, parent_code: str = "", region_type: int = 0
    ) -> List[Region]:
        """Returns regions ordered by code, optionally one parent's or one type's."""
        return self._all_pages(
            self._stub.ListRegions,
            service_pb2.ListRegionsRequest(
                parent_code=parent_code, type=region_type, page_size=1000
            ),
            "regions",
        )

    def get_region(self, code: str) -> Region:
        return self._call(self._stub.GetRegion, service_pb2.GetRegionRequest(code=code))

    def list_sources(self) -> List[Source]:
        """Returns every source, ordered by id."""
        return self._all_pages(
            self._stub.ListSources,
            service_pb2.ListSourcesRequest(page_size=1000),
            "sources",
        )

    def get_source(self, source_id: str) -> Source:
        return self._call(
            self._stub.GetSource, service_pb2.GetSourceRequest(id=source_id)
        )

    def query_page(
        self, flt: Filter = Filter(), page_size: int = 0, page_token: str = "",
        options: Optional[ValueOptions] = None,
    ) -> service_pb2.QueryObservationsResponse:
        """Returns one page of `QueryObservations` (with `next_page_token`
        and `warnings`)."""
        return self._call(
            self._stub.QueryObservations,
            service_pb2.QueryObservationsRequest(
                filter=flt.to_proto(), page_size=page_size, page_token=page_token,
                value_options=options.to_proto() if options else None,
            ),
        )

    def query(self, flt: Filter = Filter(), page_size: int = 1000,
              options: Optional[ValueOptions] = None) -> Observations:
        """Returns every matching observation, following the pages, expressed
        as `options` asks; `.warnings` holds every page's warnings."""
        request = service_pb2.QueryObservationsRequest(
            filter=flt.to_proto(), page_size=page_size,
            value_options=options.to_proto() if options else None)
        out = Observations()
        while True:
            response = self._call(self._stub.QueryObservations, request)
            out.extend(response.observations)
            out.warnings.extend(response.warnings)
            if not response.next_page_token:
                return out
            request.page_token = response.next_page_token

    def aggregate(
        self, indicator_id: str, parent: str = "", regions: Sequence[str] = (),
        start_period: str = "", end_period: str = "",
    ) -> service_pb2.AggregateObservationsResponse:
        """Adds up `indicator_id` over `parent`'s regions (or `regions`), per
        period: a sum, or for a ratio such as rd_intensity the ratio of sums.
        Each of `aggregates` has the value as a derived `observation` (with
        every input), `expected_regions`, `reporting_regions`, and the
        parent's `published_total` with `share_of_published_total`."""
        return self._call(
            self._stub.AggregateObservations,
            service_pb2.AggregateObservationsRequest(
                indicator_id=indicator_id, parent_region_code=parent,
                region_codes=list(regions), start_period=start_period,
                end_period=end_period))

    def rank(
        self, indicator_id: str, period: str = "", parent: str = "",
        regions: Sequence[str] = (), ascending: bool = False,
    ) -> service_pb2.RankRegionsResponse:
        """Ranks `parent`'s regions (or `regions`) by `indicator_id` in
        `period` (empty: the latest), largest first. Each of `regions` has its
        preferred `observation` with `bounds`, and `best_rank`..`worst_rank`:
        the ranks the bounds allow. `undetermined` lists the pairs the bounds
        cannot order."""
        return self._call(
            self._stub.RankRegions,
            service_pb2.RankRegionsRequest(
                indicator_id=indicator_id, period=period,
                parent_region_code=parent, region_codes=list(regions),
                ascending=ascending))

    def reconcile(
        self, flt: Filter = Filter(), checks: Sequence[int] = (),
        discrepancies_only: bool = False, page_size: int = 1000,
    ) -> List[service_pb2.FigureReconciliation]:
        """Checks the figures `flt` selects against each other (every page):
        a parent's figure against the sum of its regions', a published ratio
        against the derived one, each source against the preferred figure,
        a dollar figure's implied exchange rate. Each figure has its
        `agreement` (agreeing and disagreeing source ids) and `checks`, each
        with `verdict`, `cause`, `reference` and `compared` (with `bounds`),
        `difference`, `relative_difference` and a one-line `summary`.
        `checks`: `ReconciliationCheckKind` values (empty: all). See
        `reconciliation_frame` for a table."""
        return self._all_pages(
            self._stub.ReconcileObservations,
            service_pb2.ReconcileObservationsRequest(
                filter=flt.to_proto(), checks=list(checks),
                discrepancies_only=discrepancies_only, page_size=page_size),
            "figures")

    def search(self, text: str, max_results: int = 0,
               include_derived: bool = False) -> List[SearchResult]:
        """Finds indicators, regions and sources by free text, best first
        (`result.WhichOneof("item")` says which; `score`, `matched_terms`)."""
        return list(self._call(
            self._stub.SearchCatalog,
            service_pb2.SearchCatalogRequest(
                query=text, max_results=max_results,
                include_derived=include_derived)).results)

    def stream_batches(
        self, flt: Filter = Filter(), resume_token: str = "",
        options: Optional[ValueOptions] = None,
    ) -> Iterator[service_pb2.StreamObservationsResponse]:
        """Yields the messages of `StreamObservations` as they arrive.

        Starts after the message that carried `resume_token` if given. When the
        stream breaks (UNAVAILABLE, or INTERNAL for a stream reset by a proxy)
        it resumes by itself after the last message yielded, up to
        `MAX_STREAM_RESUMES` times, so every observation comes exactly once.
        If no replica serves the stream's dataset version any more it raises
        FAILED_PRECONDITION saying so. `timeout` bounds the whole export.
        """
        value_options = options.to_proto() if options else None
        return self._resuming(
            lambda token, timeout: self._stub.StreamObservations(
                service_pb2.StreamObservationsRequest(
                    filter=flt.to_proto(), resume_token=token,
                    value_options=value_options),
                timeout=timeout, metadata=self._metadata),
            resume_token)

    def stream_column_batches(
        self, flt: Filter = Filter(), resume_token: str = "",
    ) -> Iterator[service_pb2.StreamObservationColumnsResponse]:
        """Yields the messages of `StreamObservationColumns` (the same export
        as columns), resuming as `stream_batches` does."""
        return self._resuming(
            lambda token, timeout: self._stub.StreamObservationColumns(
                service_pb2.StreamObservationColumnsRequest(
                    filter=flt.to_proto(), resume_token=token),
                timeout=timeout, metadata=self._metadata),
            resume_token)

    def export_frame(self, flt: Filter = Filter()) -> "pandas.DataFrame":
        """Returns every matching observation as a pandas DataFrame, read as
        columns (`StreamObservationColumns`): about a third of the row
        stream's bytes, and no Python code per row. The columns of
        `to_pandas`, ids as categoricals; values as published."""
        decoder = ColumnDecoder()
        for message in self.stream_column_batches(flt):
            decoder.add(message)
        return decoder.frame()

    def export_arrays(self, flt: Filter = Filter()) -> dict:
        """Returns every matching observation as numpy arrays, one per column
        (see `ColumnDecoder.arrays`)."""
        decoder = ColumnDecoder()
        for message in self.stream_column_batches(flt):
            decoder.add(message)
        return decoder.arrays()

    def _resuming(self, start: Callable, resume_token: str) -> Iterator:
        """Yields the messages of the stream `start(resume_token, timeout)`
        opens, resuming after the last one yielded when it breaks."""
        deadline = time.monotonic() + self._timeout
        version = ""
        broken: Optional[grpc.RpcError] = None
        for resumes in range(MAX_STREAM_RESUMES + 1):
            call = start(resume_token, max(deadline - time.monotonic(), 0.001))
            try:
                for message in call:
                    version = message.dataset_version
                    resume_token = message.resume_token
                    yield message
                return
            except grpc.RpcError as error:
                code = error.code()
                # Refused under the caller's quota (it sent nothing): wait as
                # told and try again from the same token, within the deadline.
                delay = retry_delay(error)
                if delay is not None and time.monotonic() + delay < deadline:
                    time.sleep(delay)
                    continue
                if broken is not None and code == grpc.StatusCode.INVALID_ARGUMENT:
                    reason, _ = _error_info(error)
                    if reason == "STALE_PAGE_TOKEN":
                        raise IndicatorServiceError(
                            grpc.StatusCode.FAILED_PRECONDITION,
                            f"the stream broke ({broken.details()}) and cannot "
                            f"resume: no replica serves dataset version {version} "
                            "any more; start the export again") from None
                resumable = code in (grpc.StatusCode.UNAVAILABLE,
                                     grpc.StatusCode.INTERNAL)
                if not resumable or resumes == MAX_STREAM_RESUMES:
                    raise IndicatorServiceError.from_rpc_error(error) from None
                broken = error
                time.sleep(0.05 * 2 ** resumes)
            finally:
                call.cancel()  # No-op once complete; stops an abandoned one.

    def watch(
        self, flt: Filter = Filter(), start_revision: int = 0,
        initial_snapshot: bool = False, progress: bool = False,
    ) -> Iterator[service_pb2.WatchObservationsResponse]:
        """Yields the messages of `WatchObservations`: the changes to the
        observations `flt` selects, from `start_revision` (0: now), with no
        deadline; stop by closing the generator.

        With `initial_snapshot` the current matches come first, then a
        WATCH_EVENT_SNAPSHOT_END marker; with `progress`, an idle watch gets
        WATCH_EVENT_PROGRESS messages. When the stream breaks (UNAVAILABLE,
        INTERNAL through a proxy, ABORTED for a watcher that fell behind)
        after the snapshot, it resumes after the last revision yielded (on
        another replica if the target names several), up to
        `MAX_STREAM_RESUMES` times in a row, so every change comes once, in
        order; the changes of a revision sent in several messages are yielded
        as one message. Too old a start revision raises OUT_OF_RANGE.
        """
        position = start_revision
        snapshot_done = not initial_snapshot
        failures = 0
        while True:
            request = service_pb2.WatchObservationsRequest(
                filter=flt.to_proto(), start_revision=position if snapshot_done else 0,
                initial_snapshot=not snapshot_done, progress=progress)
            call = self._stub.WatchObservations(request, metadata=self._metadata)
            partial = service_pb2.WatchObservationsResponse()
            try:
                for message in call:
                    failures = 0
                    changes = service_pb2.WATCH_EVENT_CHANGES
                    # A part of a revision (`partial`; from servers without
                    # the field, a revision not past the position) waits.
                    if message.event == changes and (
                            message.partial or message.revision <= position):
                        partial.changes.extend(message.changes)
                        continue
                    if message.event == changes and partial.changes:
                        partial.changes.extend(message.changes)
                        partial.event = message.event
                        partial.revision = message.revision
                        message, partial = partial, service_pb2.WatchObservationsResponse()
                    if message.event == service_pb2.WATCH_EVENT_SNAPSHOT_END:
                        snapshot_done = True
                    if message.revision > 0:
                        position = message.revision
                    yield message
                return
            except grpc.RpcError as error:
                # Refused under the caller's quota (too many streams): a
                # watch has no deadline, so it waits as told and starts again.
                delay = retry_delay(error)
                if delay is not None:
                    time.sleep(delay)
                    continue
                resumable = error.code() in (grpc.StatusCode.UNAVAILABLE,
                                             grpc.StatusCode.INTERNAL,
                                             grpc.StatusCode.ABORTED)
                failures += 1
                if not resumable or not snapshot_done or failures > MAX_STREAM_RESUMES:
                    raise IndicatorServiceError.from_rpc_error(error) from None
                time.sleep(0.05 * (2 ** (failures - 1)))
            finally:
                call.cancel()

    def stream(self, flt: Filter = Filter(),
               options: Optional[ValueOptions] = None) -> Iterator[Observation]:
        """Yields every matching observation as its message arrives."""
        for batch in self.stream_batches(flt, options=options):
            yield from batch.observations

    def history(
        self, indicator_id: str, region_code: str, period: str
    ) -> List[service_pb2.ObservationVintage]:
        """Returns every value given for one figure, oldest first; each has
        `observation` and `known_from` (YYYY-MM-DD, "" when undated)."""
        return list(self._call(
            self._stub.GetObservationHistory,
            service_pb2.GetObservationHistoryRequest(
                indicator_id=indicator_id, region_code=region_code, period=period),
        ).vintages)

    def dataset_info(self) -> DatasetInfo:
        return self._call(
            self._stub.GetDatasetInfo, service_pb2.GetDatasetInfoRequest()
        ).dataset

    def ingest(
        self,
        observations: Iterable[Observation] = (),
        sources: Iterable[Source] = (),
        withdrawals: Iterable[Tuple[str, str, str, Sequence[str]]] = (),
        idempotency_key: str = "",
    ) -> service_pb2.IngestObservationsResponse:
        """Adds or revises `observations`, adds `sources` and withdraws the
        observations keyed (indicator_id, region_code, period, source_ids) in
        `withdrawals`, as one batch (a server of a database; a token with the
        write scope). The answer has the revision, the dataset version served
        and the counts. With `idempotency_key`, sending the batch again is
        safe: the server answers with its first answer (`replayed`). A batch
        with any invalid item stores nothing and raises IndicatorServiceError
        (INVALID_ARGUMENT) whose `violations` name each problem."""
        request = service_pb2.IngestObservationsRequest(
            observations=list(observations), sources=list(sources),
            idempotency_key=idempotency_key)
        for indicator_id, region_code, period, source_ids in withdrawals:
            request.withdrawals.add(
                indicator_id=indicator_id, region_code=region_code, period=period,
                source_ids=list(source_ids))
        return self._call(self._stub.IngestObservations, request)

    def ingest_csv(
        self, path, sources_path=None, idempotency_key: str = ""
    ) -> service_pb2.IngestObservationsResponse:
        """Ingests the observations of a CSV file in the bundled
        observations.csv layout, and the sources of `sources_path` (the
        sources.csv layout) if given; see `ingest`."""
        return self.ingest(
            [observation_from_csv(row) for row in _read_csv(path, _OBSERVATION_COLUMNS)],
            [source_from_csv(row) for row in _read_csv(sources_path, _SOURCE_COLUMNS)]
            if sources_path else [],
            idempotency_key=idempotency_key)


_OBSERVATION_COLUMNS = ["indicator_id", "region_code", "period", "value", "qualifier",
                        "status", "source_ids", "note"]
_SOURCE_COLUMNS = ["source_id", "publisher", "title", "published", "url",
                   "reliability", "note"]


def _read_csv(path, columns: List[str]) -> List[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != columns:
            raise ValueError(f"{path}: the header must be {','.join(columns)}")
        return list(reader)


def _enum_value(enum, prefix: str, column: str, text: str) -> int:
    try:
        value = enum.Value(prefix + text.upper())
    except ValueError:
        value = 0
    if value == 0:
        raise ValueError(f"{column}: {text!r} is not a known value")
    return value


def observation_from_csv(row: dict) -> Observation:
    """Returns the Observation of one observations.csv record (a dict by
    column name)."""
    return Observation(
        indicator_id=row["indicator_id"], region_code=row["region_code"],
        period=row["period"], value=float(row["value"]),
        qualifier=_enum_value(resources_pb2.Qualifier, "QUALIFIER_", "qualifier",
                              row["qualifier"]),
        status=_enum_value(resources_pb2.ObservationStatus, "OBSERVATION_STATUS_",
                           "status", row["status"]),
        source_ids=[s for s in row["source_ids"].split(";") if s],
        note=row["note"])


def source_from_csv(row: dict) -> Source:
    """Returns the Source of one sources.csv record."""
    return Source(
        id=row["source_id"], publisher=row["publisher"], title=row["title"],
        published=row["published"], url=row["url"],
        reliability=_enum_value(resources_pb2.SourceReliability,
                                "SOURCE_RELIABILITY_", "reliability",
                                row["reliability"]),
        note=row["note"])


def qualifier_name(value: int) -> str:
    """Returns 'over', 'about', ... for a `Qualifier` value."""
    return resources_pb2.Qualifier.Name(value).removeprefix("QUALIFIER_").lower()


def status_name(value: int) -> str:
    """Returns 'final', 'preliminary' or 'estimate' for an `ObservationStatus`."""
    return (
        resources_pb2.ObservationStatus.Name(value)
        .removeprefix("OBSERVATION_STATUS_")
        .lower()
    )


def to_pandas(observations: Iterable[Observation]) -> "pandas.DataFrame":
    """Returns a pandas DataFrame with one row per observation, in order.

    Works on `query` and `stream` results alike. Columns and types:
    `indicator_id`, `region_code`, `period`, `unit`, `source_ids` (ids joined
    with ';'), `note` (str); `value` (float64); `unit_multiplier` (int32);
    `qualifier`, `status`, `reliability` (ordered categoricals of their names:
    exact < about < over < under < nearly; final < preliminary < estimate;
    unverified < news < aggregator < official_mirror < official). The amount
    is `value * 10**unit_multiplier` `unit`. When the observations carry
    `bounds` (`ValueOptions(include_bounds=True)`), also `value_lower` and
    `value_upper` (float64; -inf and inf where the sources set no bound, NaN
    for an observation without bounds). Needs pandas (Debian's
    python3-pandas); it is imported only here.
    """
    import pandas

    rows = list(observations)

    def names(enum, prefix: str, values) -> "pandas.Categorical":
        categories = [n.removeprefix(prefix).lower() for n in enum.keys()
                      if not n.endswith("_UNSPECIFIED")]
        return pandas.Categorical(
            [enum.Name(v).removeprefix(prefix).lower() for v in values],
            categories=categories, ordered=True)

    frame = pandas.DataFrame({
        "indicator_id": pandas.Series([o.indicator_id for o in rows], dtype="str"),
        "region_code": pandas.Series([o.region_code for o in rows], dtype="str"),
        "period": pandas.Series([o.period for o in rows], dtype="str"),
        "value": pandas.Series([o.value for o in rows], dtype="float64"),
        "unit": pandas.Series([o.unit for o in rows], dtype="str"),
        "unit_multiplier": pandas.Series([o.unit_multiplier for o in rows], dtype="int32"),
        "qualifier": names(resources_pb2.Qualifier, "QUALIFIER_", [o.qualifier for o in rows]),
        "status": names(resources_pb2.ObservationStatus, "OBSERVATION_STATUS_",
                        [o.status for o in rows]),
        "reliability": names(resources_pb2.SourceReliability, "SOURCE_RELIABILITY_",
                             [o.reliability for o in rows]),
        "source_ids": pandas.Series([";".join(o.source_ids) for o in rows], dtype="str"),
        "note": pandas.Series([o.note for o in rows], dtype="str"),
        "derived": pandas.Series([o.derived for o in rows], dtype="bool"),
    })
    if any(o.HasField("bounds") for o in rows):
        def end(o, name: str, unbounded: float) -> float:
            if not o.HasField("bounds"):
                return float("nan")
            b = getattr(o.bounds, name)
            return b.value if o.bounds.HasField(name) else unbounded
        frame["value_lower"] = pandas.Series(
            [end(o, "lower", float("-inf")) for o in rows], dtype="float64")
        frame["value_upper"] = pandas.Series(
            [end(o, "upper", float("inf")) for o in rows], dtype="float64")
    return frame


def reconciliation_frame(
        figures: Iterable[service_pb2.FigureReconciliation]) -> "pandas.DataFrame":
    """Returns one row per check of `reconcile`'s figures: `indicator_id`,
    `region_code`, `period`, `check` (sum_of_parts, derived_vs_published,
    sources, implied_exchange_rate), `verdict` (consistent, discrepant),
    `cause` ("" when none: unexplained, revision, inputs_published_later),
    `reference_value`, `compared_value`, `difference`, `relative_difference`,
    the four bound columns `reference_lower`, `reference_upper`,
    `compared_lower`, `compared_upper` (-inf/inf where unbounded) and
    `summary`. Needs pandas."""
    import pandas

    def name(enum, prefix: str, value: int) -> str:
        if value == 0:
            return ""
        return enum.Name(value).removeprefix(prefix).lower()

    def end(o, which: str, unbounded: float) -> float:
        if not o.HasField("bounds") or not o.bounds.HasField(which):
            return unbounded
        return getattr(o.bounds, which).value

    rows = []
    for f in figures:
        for c in f.checks:
            rows.append({
                "indicator_id": f.indicator_id, "region_code": f.region_code,
                "period": f.period,
                "check": name(service_pb2.ReconciliationCheckKind,
                              "RECONCILIATION_CHECK_KIND_", c.kind),
                "verdict": name(service_pb2.ReconciliationVerdict,
                                "RECONCILIATION_VERDICT_", c.verdict),
                "cause": name(service_pb2.DiscrepancyCause,
                              "DISCREPANCY_CAUSE_", c.cause),
                "reference_value": c.reference.value,
                "compared_value": c.compared.value,
                "difference": c.difference,
                "relative_difference": c.relative_difference,
                "reference_lower": end(c.reference, "lower", float("-inf")),
                "reference_upper": end(c.reference, "upper", float("inf")),
                "compared_lower": end(c.compared, "lower", float("-inf")),
                "compared_upper": end(c.compared, "upper", float("inf")),
                "summary": c.summary,
            })
    columns = ["indicator_id", "region_code", "period", "check", "verdict",
               "cause", "reference_value", "compared_value", "difference",
               "relative_difference", "reference_lower", "reference_upper",
               "compared_lower", "compared_upper", "summary"]
    return pandas.DataFrame(rows, columns=columns)
