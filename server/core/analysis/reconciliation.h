#ifndef INDICATORS_SERVER_CORE_ANALYSIS_RECONCILIATION_H_
#define INDICATORS_SERVER_CORE_ANALYSIS_RECONCILIATION_H_

// Figures checked against each other by their bounds: a parent region's
// figure against the sum of its regions', a published ratio against the one
// derived from its inputs, each source's figure against the preferred one,
// and a dollar figure against its yuan figure at the dataset's rate. Two
// figures agree when their bounds overlap (both can be right), and disagree
// when they do not; a disagreement is told apart as a revision, or as inputs
// published later, where the data says so.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "server/core/base/interval.h"
#include "server/core/dataset/dataset.h"

namespace indicators {

// Values equal those of `indicators.v1.ReconciliationCheckKind`.
enum class CheckKind : uint8_t {
  kSumOfParts = 1,
  kDerivedVsPublished,
  kSources,
  kImpliedExchangeRate,
};
inline constexpr int kCheckKindCount = 4;

enum class Verdict : uint8_t { kConsistent = 1, kDiscrepant };

enum class DiscrepancyCause : uint8_t {
  kNone = 0,
  kUnexplained,
  kRevision,
  kInputsPublishedLater,
};

// Which checks to run, by `CheckKind` - 1.
using CheckSet = std::array<bool, kCheckKindCount>;
inline constexpr CheckSet kEveryCheck = {true, true, true, true};

// A value computed for a check (a sum of parts, an implied rate), with what
// it came from, shown as a derived observation.
struct ComputedFigure {
  uint32_t indicator = 0;          // Whose unit it is in.
  std::optional<uint32_t> region;  // None for a list of regions.
  Period period = Period::Year(1000);
  double value = 0;
  Qualifier qualifier = Qualifier::kExact;  // kAbout if any input hedged.
  ObservationStatus status = ObservationStatus::kFinal;  // The weakest.
  Reliability reliability = Reliability::kOfficial;      // The weakest.
  std::vector<uint32_t> sources;  // Every input's, by index (id order).
  std::string formula;
  std::vector<std::pair<std::string, uint32_t>> inputs;  // (role, row)
};

struct Check {
  CheckKind kind = CheckKind::kSources;
  Verdict verdict = Verdict::kConsistent;
  DiscrepancyCause cause = DiscrepancyCause::kNone;
  uint32_t reference = 0;  // A row.
  Interval reference_bounds;
  // A row (another source's, a derived ratio's) or a computed figure.
  std::variant<uint32_t, ComputedFigure> compared;
  double compared_value = 0;
  Interval compared_bounds;
  double difference = 0;           // compared - reference.
  double relative_difference = 0;  // difference / |reference|; 0 if 0.
  // A sum's coverage.
  int32_t expected_regions = 0;
  int32_t reporting_regions = 0;
  std::vector<uint32_t> missing;  // Regions.
  std::string summary;
};

struct FigureChecks {
  uint32_t indicator = 0;
  uint32_t region = 0;
  Period period = Period::Year(1000);
  // The sources' agreement with the preferred observation (published
  // figures only).
  bool has_agreement = false;
  int32_t observation_count = 0;
  std::vector<uint32_t> agreeing_sources;     // By index, id order.
  std::vector<uint32_t> disagreeing_sources;  // Cited by no agreeing row.
  std::vector<Check> checks;                  // By kind.

  bool discrepant() const;
};

// Runs the checks of `checks` that apply to the figure of row `row` (its
// indicator, region and period) in `dataset`.
FigureChecks ReconcileFigure(const std::shared_ptr<const Dataset>& dataset,
                             uint32_t row, const CheckSet& checks);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_ANALYSIS_RECONCILIATION_H_
