#ifndef INDICATORS_SERVER_CORE_BASE_ERRORS_H_
#define INDICATORS_SERVER_CORE_BASE_ERRORS_H_

// Request errors with a machine-readable reason and the offending field,
// carried as `absl::Status` payloads so that the core stays free of protobuf.
// The rpc layer turns them into `google.rpc.ErrorInfo` and `BadRequest`
// details (AIP-193).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace indicators {

// Reasons: stable identifiers in UPPER_SNAKE_CASE that clients may branch on.
namespace reason {
inline constexpr absl::string_view kMissingField = "MISSING_FIELD";
inline constexpr absl::string_view kInvalidRequest = "INVALID_REQUEST";
inline constexpr absl::string_view kInvalidEnumValue = "INVALID_ENUM_VALUE";
inline constexpr absl::string_view kInvalidPageSize = "INVALID_PAGE_SIZE";
inline constexpr absl::string_view kInvalidPageToken = "INVALID_PAGE_TOKEN";
inline constexpr absl::string_view kPageTokenMismatch = "PAGE_TOKEN_MISMATCH";
inline constexpr absl::string_view kStalePageToken = "STALE_PAGE_TOKEN";
inline constexpr absl::string_view kInvalidPeriod = "INVALID_PERIOD";
inline constexpr absl::string_view kInvalidDate = "INVALID_DATE";
inline constexpr absl::string_view kPeriodOutOfRange = "PERIOD_OUT_OF_RANGE";
inline constexpr absl::string_view kTooManyIds = "TOO_MANY_IDS";
inline constexpr absl::string_view kUnknownIndicator = "UNKNOWN_INDICATOR";
inline constexpr absl::string_view kUnknownRegion = "UNKNOWN_REGION";
inline constexpr absl::string_view kUnknownSource = "UNKNOWN_SOURCE";
inline constexpr absl::string_view kInvalidBatch = "INVALID_BATCH";
inline constexpr absl::string_view kIdempotencyKeyReused =
    "IDEMPOTENCY_KEY_REUSED";
inline constexpr absl::string_view kNoDatabase = "NO_DATABASE";
inline constexpr absl::string_view kRevisionTooOld = "REVISION_TOO_OLD";
inline constexpr absl::string_view kUnconvertibleValue = "UNCONVERTIBLE_VALUE";
inline constexpr absl::string_view kNotAggregatable = "NOT_AGGREGATABLE";
inline constexpr absl::string_view kServerBusy = "SERVER_BUSY";
inline constexpr absl::string_view kShuttingDown = "SHUTTING_DOWN";
inline constexpr absl::string_view kRateLimited = "RATE_LIMITED";
inline constexpr absl::string_view kTooManyStreams = "TOO_MANY_STREAMS";
}  // namespace reason

// The structured part of an error.
struct ErrorDetail {
  std::string reason;  // One of `reason::k*`.
  std::string field;   // Request field path, such as `filter.region_codes[0]`.
};

// Returns a status with `code` and the message "`field`: `description`",
// carrying `reason` and `field` as details.
absl::Status FieldError(absl::StatusCode code, absl::string_view reason,
                        absl::string_view field, absl::string_view description);

// Returns a status with `code` and the message `description`, carrying
// `reason` and no field: for a refusal that is not about the request.
absl::Status ReasonError(absl::StatusCode code, absl::string_view reason,
                         absl::string_view description);

// Shorthands for the two codes request errors use.
inline absl::Status InvalidField(absl::string_view reason,
                                 absl::string_view field,
                                 absl::string_view description) {
  return FieldError(absl::StatusCode::kInvalidArgument, reason, field,
                    description);
}
inline absl::Status UnknownId(absl::string_view reason, absl::string_view field,
                              absl::string_view description) {
  return FieldError(absl::StatusCode::kNotFound, reason, field, description);
}

// The most bytes of a caller's value that an error message repeats.
inline constexpr size_t kMaxQuotedBytes = 64;

// Returns `value` in double quotes for an error message. A value longer than
// `kMaxQuotedBytes` is cut there (on a character boundary) and its length
// given, as in `"abc..." (4096 bytes)`, so that any error fits the 8 KiB of
// metadata a gRPC client accepts by default.
std::string Quoted(absl::string_view value);

// Returns the details of a status made by `FieldError`, or nullopt.
std::optional<ErrorDetail> GetErrorDetail(const absl::Status& status);

// One problem with one field of a request, such as an item of a batch.
struct FieldViolation {
  std::string field;        // `observations[3].period`
  std::string description;  // Why, without the field.
};

// Returns INVALID_ARGUMENT with `reason` and every violation (AIP-193: the
// first field as the ErrorInfo's, all of them as BadRequest violations); the
// message lists the first few as "field: description".
absl::Status InvalidFields(absl::string_view reason,
                           const std::vector<FieldViolation>& violations);

// Returns the violations of a status made by `InvalidFields` (empty for any
// other status).
std::vector<FieldViolation> GetFieldViolations(const absl::Status& status);

// A refusal under a quota: whose quota (`subject`, such as "token:ab12..."
// or "address:192.0.2.1"), which limit it met (`description`), and how long
// to wait before trying again.
struct QuotaDetail {
  std::string subject;
  std::string description;
  absl::Duration retry_after;
};

// Returns RESOURCE_EXHAUSTED with `reason` (`kRateLimited`,
// `kTooManyStreams`) and `detail`, which the rpc layer sends as
// `google.rpc.QuotaFailure` and `google.rpc.RetryInfo`.
absl::Status QuotaError(absl::string_view reason, const QuotaDetail& detail);

// Returns the quota detail of a status made by `QuotaError`, or nullopt.
std::optional<QuotaDetail> GetQuotaDetail(const absl::Status& status);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_BASE_ERRORS_H_
