#ifndef INDICATORS_SERVER_CORE_ANALYSIS_VALUE_CONVERSION_H_
#define INDICATORS_SERVER_CORE_ANALYSIS_VALUE_CONVERSION_H_

// Values expressed on request: in another power of ten, in US dollars or
// yuan at the dataset's annual average rate, or as year-on-year growth. Each
// converted value keeps what it was converted from and with which rate.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/core/base/interval.h"
#include "server/core/base/unchecked_enum.h"
#include "server/core/dataset/dataset.h"

namespace indicators {

// The exchange-rate series conversions read: yuan per US dollar, CN, yearly.
inline constexpr absl::string_view kRateIndicator = "exchange_rate_cny_per_usd";
inline constexpr absl::string_view kRateRegion = "CN";

enum class ValueTransform : uint8_t { kLevel = 0, kGrowth = 1 };

// How to express values (the fields of `indicators.v1.ValueOptions`), as the
// caller sent them; `ExpressValues` checks them.
struct ValueOptions {
  std::string currency;  // "USD", "CNY" or empty.
  std::optional<int32_t> unit_multiplier;
  UncheckedEnum<ValueTransform> transform = ValueTransform::kLevel;
  bool skip_unconvertible = false;
  // Give each value its bounds (`ExpressedValue::bounds` on the wire).
  bool include_bounds = false;

  bool empty() const {
    return currency.empty() && !unit_multiplier && transform.value() == 0 &&
           !include_bounds;
  }
};

// A canonical text of `options` for binding page tokens; "" when empty.
std::string CanonicalText(const ValueOptions& options);

// Checks `options` alone (field names under `value_options.`): a currency
// other than USD or CNY, a power of ten outside [-12, 15], an unknown
// transform, or growth with a currency is INVALID_ARGUMENT.
absl::Status CheckValueOptions(const ValueOptions& options);

// One observation row as expressed.
struct ExpressedValue {
  uint32_t row = 0;
  double value = 0;
  std::string unit;
  int32_t unit_multiplier = 0;
  bool converted = false;  // `value`, `unit` or the multiplier changed.
  // The interval the sources allow for `value`, carried through the
  // conversion by interval arithmetic (the rate's own bounds included); set
  // only when `ValueOptions::include_bounds` asks for it.
  std::optional<Interval> bounds;
  // The row's own, or for growth the weakest of both figures' (`kAbout` if
  // either is hedged) and every source of both, by index.
  Qualifier qualifier = Qualifier::kExact;
  ObservationStatus status = ObservationStatus::kFinal;
  Reliability reliability = Reliability::kUnspecified;
  std::vector<uint32_t> sources;
  std::optional<uint32_t> rate_row;      // The rate used (currency).
  std::optional<uint32_t> previous_row;  // The figure a year earlier (growth).
};

struct ExpressedValues {
  std::vector<ExpressedValue> values;   // In the order of the rows given.
  std::vector<uint32_t> not_converted;  // Returned as they are (skipped).
  std::vector<uint32_t> no_previous;    // Left out of a growth transform.
};

// Expresses `rows` of `dataset` as `options` asks. A row that cannot be
// converted is INVALID_ARGUMENT (reason UNCONVERTIBLE_VALUE) naming it and
// why, or with `skip_unconvertible` is kept as it is and listed in
// `not_converted`. Growth leaves out (and lists) a row without a figure a
// year earlier.
absl::StatusOr<ExpressedValues> ExpressValues(const Dataset& dataset,
                                              absl::Span<const uint32_t> rows,
                                              const ValueOptions& options);

// True if `unit` is money: an ISO 4217 code such as CNY or USD.
bool IsCurrency(absl::string_view unit);
// True if `unit` is an amount that a power of ten may scale (not `percent`
// and not a rate such as `CNY_per_USD`).
bool IsAmount(absl::string_view unit);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_ANALYSIS_VALUE_CONVERSION_H_
