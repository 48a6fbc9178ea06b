#include "server/core/base/errors.h"

#include <algorithm>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/optional.h"
#include "server/core/base/utf8.h"

namespace indicators {
namespace {

// The payload's type URL, and the separator of its two parts (ids and field
// paths never contain it).
constexpr absl::string_view kPayloadUrl = "type.indicators/ErrorDetail";
constexpr char kSeparator = '\x1f';
// The violations' payload: entries split by kEntrySeparator, each a field and
// a description split by kSeparator (descriptions have both replaced).
constexpr absl::string_view kViolationsUrl = "type.indicators/FieldViolations";
constexpr char kEntrySeparator = '\x1e';
constexpr size_t kViolationsInMessage = 5;
// The quota payload: subject, description and the delay in nanoseconds,
// split by kSeparator.
constexpr absl::string_view kQuotaUrl = "type.indicators/QuotaDetail";

}  // namespace

absl::Status FieldError(absl::StatusCode code, absl::string_view reason,
                        absl::string_view field,
                        absl::string_view description) {
  absl::Status status(code, absl::StrCat(field, ": ", description));
  status.SetPayload(
      kPayloadUrl,
      absl::Cord(absl::StrCat(reason, std::string(1, kSeparator), field)));
  return status;
}

absl::Status ReasonError(absl::StatusCode code, absl::string_view reason,
                         absl::string_view description) {
  absl::Status status(code, description);
  status.SetPayload(kPayloadUrl, absl::Cord(absl::StrCat(
                                     reason, std::string(1, kSeparator))));
  return status;
}

absl::Status InvalidFields(absl::string_view reason,
                           const std::vector<FieldViolation>& violations) {
  if (violations.empty()) return absl::OkStatus();
  std::vector<std::string> lines;
  std::string payload;
  for (const FieldViolation& v : violations) {
    if (lines.size() < kViolationsInMessage) {
      lines.push_back(absl::StrCat(v.field, ": ", v.description));
    }
    std::string description = v.description;
    std::replace(description.begin(), description.end(), kSeparator, '?');
    std::replace(description.begin(), description.end(), kEntrySeparator, '?');
    if (!payload.empty()) payload.push_back(kEntrySeparator);
    absl::StrAppend(&payload, v.field, std::string(1, kSeparator), description);
  }
  std::string message = absl::StrJoin(lines, "; ");
  if (violations.size() > lines.size()) {
    absl::StrAppend(&message, "; and ", violations.size() - lines.size(),
                    " more");
  }
  absl::Status status = FieldError(absl::StatusCode::kInvalidArgument, reason,
                                   violations[0].field, "");
  absl::Status out(absl::StatusCode::kInvalidArgument, message);
  out.SetPayload(kPayloadUrl, *status.GetPayload(kPayloadUrl));
  out.SetPayload(kViolationsUrl, absl::Cord(payload));
  return out;
}

std::vector<FieldViolation> GetFieldViolations(const absl::Status& status) {
  std::vector<FieldViolation> out;
  absl::optional<absl::Cord> payload = status.GetPayload(kViolationsUrl);
  if (!payload) return out;
  for (absl::string_view entry :
       absl::StrSplit(std::string(*payload), kEntrySeparator)) {
    std::vector<std::string> parts =
        absl::StrSplit(entry, absl::MaxSplits(kSeparator, 1));
    if (parts.size() == 2) out.push_back({parts[0], parts[1]});
  }
  return out;
}

std::string Quoted(absl::string_view value) {
  if (value.size() <= kMaxQuotedBytes) return absl::StrCat("\"", value, "\"");
  return absl::StrCat("\"", Utf8Prefix(value, kMaxQuotedBytes), "...\" (",
                      value.size(), " bytes)");
}

std::optional<ErrorDetail> GetErrorDetail(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kPayloadUrl);
  if (!payload) return std::nullopt;
  std::vector<std::string> parts =
      absl::StrSplit(std::string(*payload), absl::MaxSplits(kSeparator, 1));
  if (parts.size() != 2) return std::nullopt;
  return ErrorDetail{parts[0], parts[1]};
}

absl::Status QuotaError(absl::string_view reason, const QuotaDetail& detail) {
  absl::Status status = ReasonError(
      absl::StatusCode::kResourceExhausted, reason,
      absl::StrCat("quota of ", detail.subject, ": ", detail.description,
                   "; retry after ",
                   absl::FormatDuration(
                       absl::Ceil(detail.retry_after, absl::Milliseconds(1)))));
  status.SetPayload(
      kQuotaUrl,
      absl::Cord(absl::StrCat(detail.subject, std::string(1, kSeparator),
                              detail.description, std::string(1, kSeparator),
                              absl::ToInt64Nanoseconds(detail.retry_after))));
  return status;
}

std::optional<QuotaDetail> GetQuotaDetail(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kQuotaUrl);
  if (!payload) return std::nullopt;
  std::vector<std::string> parts =
      absl::StrSplit(std::string(*payload), kSeparator);
  int64_t nanoseconds = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[2], &nanoseconds)) {
    return std::nullopt;
  }
  return QuotaDetail{parts[0], parts[1], absl::Nanoseconds(nanoseconds)};
}

}  // namespace indicators
