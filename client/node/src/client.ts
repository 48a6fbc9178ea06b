// A typed client of indicators.v1.IndicatorService for Node.js: the service
// descriptor and messages are generated from proto/ by protoc-gen-es; calls go
// over gRPC (HTTP/2) with Connect's Node transport. A failed call throws a
// `ConnectError` whose `code` is the gRPC status code.

import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  IndicatorService,
  ObservationFilterSchema,
  type ObservationFilter,
} from "./gen/indicators/v1/indicator_service_pb.js";
import type { Observation } from "./gen/indicators/v1/resources_pb.js";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  type BadRequest_FieldViolation,
  type ErrorInfo,
} from "./gen/google/rpc/error_details_pb.js";

export { Code, ConnectError } from "@connectrpc/connect";
export type { ErrorInfo, BadRequest_FieldViolation };
export * from "./gen/indicators/v1/indicator_service_pb.js";
export * from "./gen/indicators/v1/resources_pb.js";

export type IndicatorClient = Client<typeof IndicatorService>;
export type FilterInit = MessageInitShape<typeof ObservationFilterSchema>;

export interface ClientOptions {
  /** Deadline of each call in milliseconds (default 10 s). */
  timeoutMs?: number;
}

/** Returns a client of the server at `target` (host:port, plaintext). */
export function createIndicatorClient(
  target = "127.0.0.1:50051",
  options: ClientOptions = {},
): IndicatorClient {
  const transport = createGrpcTransport({
    baseUrl: `http://${target}`,
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
  });
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
): Promise<Observation[]> {
  const out: Observation[] = [];
  let pageToken = "";
  do {
    const page = await client.queryObservations({
      filter: init,
      pageSize,
      pageToken,
    });
    out.push(...page.observations);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return out;
}

/** Yields every observation matching `init` as its stream message arrives. */
export async function* streamObservations(
  client: IndicatorClient,
  init: FilterInit = {},
): AsyncGenerator<Observation> {
  for await (const message of client.streamObservations({ filter: init })) {
    yield* message.observations;
  }
}

/**
 * Returns the google.rpc.ErrorInfo the server sent with a failed call (its
 * `reason`, such as "UNKNOWN_INDICATOR", and `metadata.field`), if any.
 */
export function errorInfo(err: unknown): ErrorInfo | undefined {
  return ConnectError.from(err).findDetails(ErrorInfoSchema)[0];
}

/** Returns the bad fields the server named for a failed call. */
export function fieldViolations(err: unknown): BadRequest_FieldViolation[] {
  return ConnectError.from(err).findDetails(BadRequestSchema).flatMap((b) => b.fieldViolations);
}
