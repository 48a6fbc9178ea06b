// A failed call as a tool error: the service's code, its reason and the field
// it names (google.rpc.ErrorInfo and BadRequest), its message, and a hint of
// what to do next. An argument that is not the request message's JSON is the
// same kind of error, naming the field, before anything is called.

import { Code, ConnectError, errorInfo, fieldViolations } from "indicators-client";

export interface ToolError {
  code: string; // "INVALID_ARGUMENT", as gRPC names it.
  reason: string; // "UNKNOWN_INDICATOR"; "" when the service gave none.
  field: string; // "filter.indicator_ids"; "" when none is named.
  message: string;
  hint: string;
}

const HINTS: Record<string, string> = {
  UNKNOWN_INDICATOR: "search_catalog or list_indicators gives the indicator ids.",
  UNKNOWN_REGION: "search_catalog or list_regions gives the region codes (ISO 3166: CN, CN-GD).",
  UNKNOWN_SOURCE: "describe_source, or the sources of any figure, give the source ids.",
  INVALID_PERIOD: "A period is YYYY or YYYY-MM.",
  PERIOD_OUT_OF_RANGE: "A period is YYYY or YYYY-MM, and the end must not be before the start.",
  INVALID_DATE: "knownOn is a day, YYYY-MM-DD.",
  INVALID_PAGE_TOKEN: "Pass nextPageToken exactly as the previous answer gave it, with the same arguments.",
  STALE_PAGE_TOKEN: "The dataset changed since that page: start again without pageToken.",
  PAGE_TOKEN_MISMATCH: "A page token holds only for the arguments it was issued with.",
  UNCONVERTIBLE_VALUE: "Set valueOptions.skipUnconvertible to get such figures back as published, with a warning.",
  NOT_AGGREGATABLE: "Only summable indicators and ratios with a rule add up across regions (describe_indicator says).",
  TOO_MANY_IDS: "Ask for fewer ids at once.",
  MISSING_FIELD: "The field is required.",
  SERVER_BUSY: "The service is busy: try again shortly.",
  SHUTTING_DOWN: "The service is restarting: try again shortly.",
};

const CODE_HINTS: Partial<Record<Code, string>> = {
  [Code.Unauthenticated]: "Set INDICATORS_TOKEN to a token of the service.",
  [Code.PermissionDenied]: "The token in INDICATORS_TOKEN lacks the scope this call needs.",
  [Code.Unavailable]: "The indicator service cannot be reached now: try again, or check --target.",
  [Code.DeadlineExceeded]: "The call took too long: narrow the filter, or try again.",
  [Code.ResourceExhausted]: "A limit was reached: narrow the request or try again later.",
};

/** "InvalidArgument" -> "INVALID_ARGUMENT". */
function codeName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** The tool error of anything a call threw. */
export function toolErrorOf(err: unknown): ToolError {
  if (err instanceof ArgumentError) return err.toolError;
  const e = ConnectError.from(err);
  const info = errorInfo(e);
  const violations = fieldViolations(e);
  const reason = info?.reason ?? "";
  const field = info?.metadata.field ?? violations[0]?.field ?? "";
  return {
    code: codeName(e.code),
    reason,
    field,
    message: e.rawMessage,
    hint: HINTS[reason] ?? CODE_HINTS[e.code] ?? "",
  };
}

/** An argument the tool refused before calling the service. */
export class ArgumentError extends Error {
  readonly toolError: ToolError;
  constructor(field: string, message: string, hint = "") {
    super(message);
    this.toolError = { code: "INVALID_ARGUMENT", reason: "INVALID_ARGUMENT", field, message, hint };
  }
}

/** "INVALID_ARGUMENT (UNKNOWN_INDICATOR, field filter.indicator_ids): ... Hint: ..." */
export function toolErrorText(e: ToolError): string {
  const about = [e.reason && e.reason !== e.code ? e.reason : "", e.field ? `field ${e.field}` : ""]
    .filter((p) => p !== "")
    .join(", ");
  return `${e.code}${about ? ` (${about})` : ""}: ${e.message}${e.hint ? ` Hint: ${e.hint}` : ""}`;
}
