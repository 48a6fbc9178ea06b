#include "server/core/errors.h"

#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/types/optional.h"
#include "server/core/utf8.h"

namespace indicators {
namespace {

// The payload's type URL, and the separator of its two parts (ids and field
// paths never contain it).
constexpr absl::string_view kPayloadUrl = "type.indicators/ErrorDetail";
constexpr char kSeparator = '\x1f';

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

}  // namespace indicators
