#ifndef INDICATORS_SERVER_CORE_ANALYSIS_COMPARABILITY_H_
#define INDICATORS_SERVER_CORE_ANALYSIS_COMPARABILITY_H_

// Warnings that figures in one response should not be compared at face value:
// estimates beside final figures, hedged beside exact ones, a series whose
// preferred figure changes kind of source, different units, derived beside
// published values, conversions at different rates.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "server/core/analysis/value_conversion.h"
#include "server/core/dataset/dataset.h"

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
// about), so that warnings stay small beside the rows they describe: every
// observation carries its own status, qualifier and `derived` flag, so a
// caller finds the rest in the response itself.
inline constexpr size_t kMaxWarningFigures = 20;

struct ComparabilityWarning {
  WarningCode code;
  std::string message;
  // The figures it names: observation rows, or (for aggregates, which are
  // not rows) figure references. At most kMaxWarningFigures in all.
  std::vector<uint32_t> rows;
  std::vector<FigureRef> figures;
  int64_t figure_count = 0;  // All the figures it is about.
};

// Returns the figure of observation `row`.
FigureRef FigureOf(const Dataset& dataset, uint32_t row);

// One row of a response as the warnings see it, with the unit it is shown
// in.
struct WarningItem {
  uint32_t row;
  const ExpressedValue* expressed;  // Null when shown as published.
  bool derived;                     // Computed by the service.
};

// What a stream has warned about already: a stream sends each warning (code
// and indicator) once, in the first message it applies to. It also keeps the
// per-message scratch, so that a stream allocates it once.
class SentWarnings {
 public:
  std::vector<WarningItem>& scratch() { return scratch_; }

  // Returns true the first time for `code` and `indicator` (kNoIndicator
  // for warnings about the response as a whole).
  bool FirstTime(WarningCode code, uint32_t indicator);
  bool Contains(WarningCode code, uint32_t indicator) const;
  // True once every warning about one indicator's own figures (statuses,
  // qualifiers, source changes) has been sent: its rows need no more looking
  // at.
  bool Covers(uint32_t indicator) const;
  static constexpr uint32_t kNoIndicator = UINT32_MAX;

 private:
  std::vector<std::pair<WarningCode, uint32_t>> sent_;
  std::vector<WarningItem> scratch_;
};

// Returns the warnings about observation `rows` (one response, in query
// order), expressed as in `expressed` if not null (then `rows` are ignored
// in favour of its values, and its skipped rows are named). Empty when
// nothing is mixed. With `sent`, only the warnings not sent before.
std::vector<ComparabilityWarning> FindWarnings(
    const Dataset& dataset, absl::Span<const uint32_t> rows,
    const ExpressedValues* expressed = nullptr, SentWarnings* sent = nullptr);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_ANALYSIS_COMPARABILITY_H_
