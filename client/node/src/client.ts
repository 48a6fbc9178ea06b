// A typed client of indicators.v1.IndicatorService for Node.js: the service
// descriptor and messages are generated from proto/ by protoc-gen-es; calls go
// over gRPC (HTTP/2) with Connect's Node transport, or over the Connect
// protocol (HTTP/1.1, JSON or binary) to the server's HTTP surface. A failed call throws a
// `ConnectError` whose `code` is the gRPC status code.

import {
  create,
  type DescMessage,
  type DescMethodStreaming,
  type DescMethodUnary,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createClient,
  type Client,
  type ContextValues,
  type Interceptor,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { readFileSync } from "node:fs";
import {
  IndicatorService,
  ObservationFilterSchema,
  WarningCode,
  WatchEvent,
  type ComparabilityWarning,
  type ValueOptionsSchema,
  WatchObservationsResponseSchema,
  type ObservationChange,
  type ObservationFilter,
  type WatchObservationsResponse,
} from "./gen/indicators/v1/indicator_service_pb.js";
import type { Observation } from "./gen/indicators/v1/resources_pb.js";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  QuotaFailureSchema,
  RetryInfoSchema,
  type BadRequest_FieldViolation,
  type ErrorInfo,
  type QuotaFailure_Violation,
} from "./gen/google/rpc/error_details_pb.js";

export { Code, ConnectError } from "@connectrpc/connect";
// The message functions the client is built on, for programs that take
// requests as JSON (the MCP server) without a second copy of the runtime.
export { create, fromJson, toJson, type DescMessage, type JsonValue } from "@bufbuild/protobuf";
export type { ErrorInfo, BadRequest_FieldViolation };
export * from "./gen/indicators/v1/indicator_service_pb.js";
export * from "./gen/indicators/v1/resources_pb.js";

export type IndicatorClient = Client<typeof IndicatorService>;
export type FilterInit = MessageInitShape<typeof ObservationFilterSchema>;
/**
 * How to express values: `{ currency: "USD" }`, `{ unitMultiplier: 8 }`,
 * `{ transform: ValueTransform.GROWTH }`, with `skipUnconvertible` to get
 * what cannot be converted back as published (with a warning).
 */
export type ValueOptionsInit = MessageInitShape<typeof ValueOptionsSchema>;

export interface ClientOptions {
  /** Deadline of each call in milliseconds (default 10 s). */
  timeoutMs?: number;
  /**
   * The one address balances several replicas (nginx): calls it fails with
   * UNAVAILABLE, or resets, are made again (`RETRY_POLICY`), as for a list.
   */
  behindProxy?: boolean;
  /** Sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /**
   * TLS: the CA that signed the server's certificate (PEM file); with
   * `certFile` and `keyFile`, mutual TLS. Without it the channel is plaintext.
   */
  tls?: { caFile: string; certFile?: string; keyFile?: string };
  /**
   * Speak the Connect protocol over HTTP/1.1 to the server's HTTP surface
   * (`--http_listen`) instead of gRPC: JSON bodies, or protobuf's binary
   * encoding with `binary`. The same calls, answers and errors.
   */
  connect?: { binary?: boolean };
}

/**
 * The retry policy of client/config/service_config.json, which Connect's Node
 * transport cannot read (it has no client-side balancing): attempts per call
 * and the backoff between them, on UNAVAILABLE only.
 */
export const RETRY_POLICY = {
  maxAttempts: 4,
  initialBackoffMs: 50,
  maxBackoffMs: 1000,
  backoffMultiplier: 2,
};

/** How many times `streamObservations` resumes one broken export. */
export const MAX_STREAM_RESUMES = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A transport over several replicas with the policy of the shipped service
 * config: calls go round robin, and a unary call that fails with UNAVAILABLE
 * (or whose connection the replica broke) is tried on the next replica
 * (`RETRY_POLICY`). Every unary method is safe to repeat: reads, and the
 * idempotent ReloadDataset. A stream is not retried once
 * started; `streamObservations` resumes it instead.
 */
class ReplicaTransport implements Transport {
  private next = 0;
  constructor(private readonly replicas: Transport[]) {}

  private pick(): Transport {
    return this.replicas[this.next++ % this.replicas.length];
  }

  async unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersInit | undefined,
    input: MessageInitShape<I>,
    contextValues?: ContextValues,
  ): Promise<UnaryResponse<I, O>> {
    let backoff = RETRY_POLICY.initialBackoffMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.pick().unary(method, signal, timeoutMs, header, input, contextValues);
      } catch (err) {
        // Connect reports a connection the replica broke (it died) as a
        // cancelled stream; the caller did not cancel unless `signal` says so.
        const code = ConnectError.from(err).code;
        const broken = code === Code.Unavailable || (code === Code.Canceled && !signal?.aborted);
        if (!broken || attempt === RETRY_POLICY.maxAttempts) throw err;
        await sleep(backoff);
        backoff = Math.min(backoff * RETRY_POLICY.backoffMultiplier, RETRY_POLICY.maxBackoffMs);
      }
    }
  }

  stream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodStreaming<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersInit | undefined,
    input: AsyncIterable<MessageInitShape<I>>,
    contextValues?: ContextValues,
  ): Promise<StreamResponse<I, O>> {
    return this.pick().stream(method, signal, timeoutMs, header, input, contextValues);
  }
}

/**
 * Returns a client of the server at `target` (host:port, plaintext), or of
 * several replicas (`a:p1,b:p2`) with the shipped service config's policy.
 */
export function createIndicatorClient(
  target = "127.0.0.1:50051",
  options: ClientOptions = {},
): IndicatorClient {
  const { token, tls } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const interceptors: Interceptor[] = [waitAsTold(timeoutMs)];
  if (token) {
    interceptors.push((next) => async (req) => {
      req.header.set("authorization", `Bearer ${token}`);
      return next(req);
    });
  }
  const nodeOptions = tls && {
    ca: readFileSync(tls.caFile),
    cert: tls.certFile ? readFileSync(tls.certFile) : undefined,
    key: tls.keyFile ? readFileSync(tls.keyFile) : undefined,
  };
  const transports = target.split(",").map((address) => {
    const common = {
      baseUrl: `${tls ? "https" : "http"}://${address}`,
      defaultTimeoutMs: timeoutMs,
      interceptors,
      nodeOptions,
    };
    return options.connect
      ? createConnectTransport({
          ...common,
          httpVersion: "1.1",
          useBinaryFormat: options.connect.binary ?? false,
        })
      : createGrpcTransport(common);
  });
  const transport =
    transports.length === 1 && !options.behindProxy ? transports[0] : new ReplicaTransport(transports);
  return createClient(IndicatorService, transport);
}

/** Builds an `ObservationFilter` from a plain object. */
export function filter(init: FilterInit = {}): ObservationFilter {
  return create(ObservationFilterSchema, init);
}

/** Returns every observation matching `init`, following the pages. */
export async function queryAll(
  client: IndicatorClient,
  init: FilterInit = {},
  pageSize = 1000,
  valueOptions?: ValueOptionsInit,
): Promise<Observation[]> {
  return (await queryWithWarnings(client, init, valueOptions, pageSize)).observations;
}

/**
 * Returns every observation matching `init`, expressed as `valueOptions`
 * asks, with the comparability warnings of every page.
 */
export async function queryWithWarnings(
  client: IndicatorClient,
  init: FilterInit = {},
  valueOptions?: ValueOptionsInit,
  pageSize = 1000,
): Promise<{ observations: Observation[]; warnings: ComparabilityWarning[] }> {
  const observations: Observation[] = [];
  const warnings: ComparabilityWarning[] = [];
  let pageToken = "";
  do {
    const page = await client.queryObservations({
      filter: init,
      pageSize,
      pageToken,
      valueOptions,
    });
    observations.push(...page.observations);
    warnings.push(...page.warnings);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return { observations, warnings };
}

/** Returns "MIXED_STATUS", "DIFFERENT_RATES", ... for a warning code. */
export function warningName(code: WarningCode): string {
  return WarningCode[code];
}

/**
 * Yields every observation matching `init` as its stream message arrives.
 * When the stream breaks (UNAVAILABLE, or INTERNAL for a stream reset by a
 * proxy) it resumes by itself after the last message, up to
 * `MAX_STREAM_RESUMES` times, so every observation comes exactly once; if no
 * replica serves the stream's dataset version any more it throws
 * FAILED_PRECONDITION saying so.
 */
export async function* streamObservations(
  client: IndicatorClient,
  init: FilterInit = {},
  resumeToken = "",
  valueOptions?: ValueOptionsInit,
): AsyncGenerator<Observation> {
  let version = "";
  let broken: ConnectError | undefined;
  for (let resumes = 0; ; resumes++) {
    try {
      for await (const message of client.streamObservations({ filter: init, resumeToken, valueOptions })) {
        version = message.datasetVersion;
        resumeToken = message.resumeToken;
        yield* message.observations;
      }
      return;
    } catch (err) {
      const error = ConnectError.from(err);
      // Refused under the caller's quota (nothing was sent): wait as told.
      const delay = retryDelayMs(error);
      if (delay !== undefined && resumes < MAX_STREAM_RESUMES) {
        await sleep(delay);
        continue;
      }
      if (broken && error.code === Code.InvalidArgument && errorInfo(error)?.reason === "STALE_PAGE_TOKEN") {
        throw new ConnectError(
          `the stream broke (${broken.rawMessage}) and cannot resume: no replica serves ` +
            `dataset version ${version} any more; start the export again`,
          Code.FailedPrecondition,
        );
      }
      const resumable = error.code === Code.Unavailable || error.code === Code.Internal;
      if (!resumable || resumes === MAX_STREAM_RESUMES) throw err;
      broken = error;
      await sleep(50 * 2 ** resumes);
    }
  }
}

/** What `watchObservations` asks for besides the filter. */
export interface WatchInit {
  /** Send the changes after this revision; 0 (the default): from now. */
  startRevision?: bigint;
  /** First the current matches, then a WATCH_EVENT_SNAPSHOT_END marker. */
  initialSnapshot?: boolean;
  /** WATCH_EVENT_PROGRESS messages while nothing changes. */
  progress?: boolean;
}

/**
 * Yields the messages of WatchObservations: the changes to the observations
 * `init` selects, with no deadline; stop by leaving the loop. When the stream
 * breaks (UNAVAILABLE, INTERNAL through a proxy, ABORTED for a watcher that
 * fell behind) after the initial snapshot, it resumes after the last revision
 * yielded (on another replica with a transport over several), up to
 * `MAX_STREAM_RESUMES` times in a row, so every change comes once, in order;
 * the changes of a revision sent in several messages come as one message.
 * Too old a start revision throws OUT_OF_RANGE.
 */
export async function* watchObservations(
  client: IndicatorClient,
  init: FilterInit = {},
  watch: WatchInit = {},
): AsyncGenerator<WatchObservationsResponse> {
  let position = watch.startRevision ?? 0n;
  let snapshotDone = !watch.initialSnapshot;
  let failures = 0;
  for (;;) {
    const controller = new AbortController();
    let partial: ObservationChange[] = [];
    try {
      const stream = client.watchObservations(
        {
          filter: init,
          startRevision: snapshotDone ? position : 0n,
          initialSnapshot: !snapshotDone,
          progress: watch.progress ?? false,
        },
        { signal: controller.signal, timeoutMs: 0 },
      );
      for await (let message of stream) {
        failures = 0;
        // A part of a revision (`partial`; from servers without the field, a
        // revision not past the position) waits for the rest.
        if (
          message.event === WatchEvent.CHANGES &&
          (message.partial || message.revision <= position)
        ) {
          partial.push(...message.changes);
          continue;
        }
        if (message.event === WatchEvent.CHANGES && partial.length > 0) {
          message = create(WatchObservationsResponseSchema, {
            event: message.event,
            revision: message.revision,
            changes: [...partial, ...message.changes],
          });
          partial = [];
        }
        if (message.event === WatchEvent.SNAPSHOT_END) snapshotDone = true;
        if (message.revision > 0n) position = message.revision;
        yield message;
      }
      return;
    } catch (err) {
      const error = ConnectError.from(err);
      // Refused under the caller's quota (too many streams): a watch has no
      // deadline, so it waits as told and starts again.
      const delay = retryDelayMs(error);
      if (delay !== undefined) {
        await sleep(delay);
        continue;
      }
      const resumable = error.code === Code.Unavailable || error.code === Code.Internal ||
        error.code === Code.Aborted;
      if (!resumable || !snapshotDone || ++failures > MAX_STREAM_RESUMES) throw err;
      await sleep(50 * 2 ** (failures - 1));
    } finally {
      controller.abort();
    }
  }
}

/**
 * Returns the google.rpc.ErrorInfo the server sent with a failed call (its
 * `reason`, such as "UNKNOWN_INDICATOR", and `metadata.field`), if any.
 */
export function errorInfo(err: unknown): ErrorInfo | undefined {
  return ConnectError.from(err).findDetails(ErrorInfoSchema)[0];
}

/**
 * How long (ms) the server asked to wait before trying a call it refused
 * under the caller's quota (RESOURCE_EXHAUSTED with a google.rpc.RetryInfo),
 * or undefined if it did not say.
 */
export function retryDelayMs(err: unknown): number | undefined {
  const error = ConnectError.from(err);
  if (error.code !== Code.ResourceExhausted) return undefined;
  const delay = error.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (!delay) return undefined;
  return Math.max(Number(delay.seconds) * 1000 + delay.nanos / 1e6, 1);
}

/** Returns whose quota a refused call exceeded, and which limit. */
export function quotaViolations(err: unknown): QuotaFailure_Violation[] {
  return ConnectError.from(err).findDetails(QuotaFailureSchema).flatMap((q) => q.violations);
}

/**
 * Makes a unary call again when the server refuses it under the caller's
 * quota, after the delay it asks for, while the call's time (`timeoutMs`
 * from its start) allows. Streams are not retried here: a refused stream
 * fails at once, and `streamObservations` waits as told before resuming.
 */
function waitAsTold(timeoutMs: number): Interceptor {
  return (next) => async (req) => {
    if (req.stream) return next(req);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await next(req);
      } catch (err) {
        const delay = retryDelayMs(err);
        if (delay === undefined || Date.now() + delay >= deadline || req.signal.aborted) throw err;
        await sleep(delay);
      }
    }
  };
}

/** Returns the bad fields the server named for a failed call. */
export function fieldViolations(err: unknown): BadRequest_FieldViolation[] {
  return ConnectError.from(err).findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations);
}
