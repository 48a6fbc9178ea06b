#ifndef INDICATORS_SERVER_CORE_COMPARABILITY_H_
#define INDICATORS_SERVER_CORE_COMPARABILITY_H_

// Warnings that figures in one response should not be compared at face value:
// estimates beside final figures, hedged beside exact ones, a series whose
// preferred figure changes kind of source, different units, derived beside
// published values, conversions at different rates.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "server/core/dataset.h"
#include "server/core/value_conversion.h"

namespace indicators {

// Values equal those of `indicators.v1.WarningCode`.
enum class WarningCode : uint8_t {
  kMixedStatus = 1,
  kInexactQualifier,
  kSourceChange,
  kMixedUnits,
  kDerivedWithPublished,
  kDifferentRates,
  kNotConverted,
  kNoPreviousPeriod,
  kIncompleteCoverage,
};

// One figure a warning names (an `indicators.v1.ObservationKey`).
struct FigureRef {
  std::string indicator_id;
  std::string region_code;
  std::string period;
  std::vector<std::string> source_ids;
};

// The most figures one warning names (`figure_count` says how many it is
// about), so that a warning never outgrows the response it comes with.
inline constexpr size_t kMaxWarningFigures = 100;

struct ComparabilityWarning {
  WarningCode code;
  std::string message;
  std::vector<FigureRef> figures;  // The first kMaxWarningFigures.
  int64_t figure_count = 0;        // All the figures it is about.
};

// Returns the figure of observation `row`.
FigureRef FigureOf(const Dataset& dataset, uint32_t row);

// Returns the warnings about observation `rows` (one response, in query
// order), expressed as in `expressed` if not null (then `rows` are ignored
// in favour of its values, and its skipped rows are named). Empty when
// nothing is mixed.
std::vector<ComparabilityWarning> FindWarnings(
    const Dataset& dataset, absl::Span<const uint32_t> rows,
    const ExpressedValues* expressed = nullptr);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_COMPARABILITY_H_
