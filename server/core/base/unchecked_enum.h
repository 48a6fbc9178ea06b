#ifndef INDICATORS_SERVER_CORE_BASE_UNCHECKED_ENUM_H_
#define INDICATORS_SERVER_CORE_BASE_UNCHECKED_ENUM_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/core/base/errors.h"

namespace indicators {

// An enum value as a caller sent it: any int32 (proto3 enums are open), kept
// whole until the core checks it with `CheckEnum`, so that no layer truncates
// or trusts it before then. Converts implicitly from `Enum` for callers that
// already hold a valid value.
template <typename Enum>
class UncheckedEnum {
 public:
  UncheckedEnum() = default;
  UncheckedEnum(Enum value) : value_(static_cast<int32_t>(value)) {}  // NOLINT
  static UncheckedEnum FromInt(int32_t value) {
    UncheckedEnum out;
    out.value_ = value;
    return out;
  }
  int32_t value() const { return value_; }

 private:
  int32_t value_ = 0;
};

// Returns `value` as an `Enum` if it lies in [`first`, `last`], otherwise
// INVALID_ARGUMENT (reason INVALID_ENUM_VALUE) naming `field`.
template <typename Enum>
absl::StatusOr<Enum> CheckEnum(UncheckedEnum<Enum> value, Enum first, Enum last,
                               absl::string_view field) {
  const int32_t lo = static_cast<int32_t>(first);
  const int32_t hi = static_cast<int32_t>(last);
  if (value.value() < lo || value.value() > hi) {
    return InvalidField(
        reason::kInvalidEnumValue, field,
        absl::StrCat(value.value(), " is not a valid value (expected ", lo,
                     " to ", hi, ")"));
  }
  return static_cast<Enum>(value.value());
}

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_BASE_UNCHECKED_ENUM_H_
