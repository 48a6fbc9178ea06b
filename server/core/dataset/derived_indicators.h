#ifndef INDICATORS_SERVER_CORE_DATASET_DERIVED_INDICATORS_H_
#define INDICATORS_SERVER_CORE_DATASET_DERIVED_INDICATORS_H_

// The indicators the service computes from published ones (R&D intensity
// from expenditure and GDP, per-capita and per-researcher figures), and the
// rows they add to a dataset, each with the exact input rows it came from.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "server/core/dataset/dataset_tables.h"

namespace indicators {

// One derived ratio: numerator / denominator x scale, in `unit` x
// 10^unit_multiplier. Regional aggregates use the same rule as a ratio of
// sums, for it and for its published equivalent.
struct RatioRule {
  const char* id;
  const char* name;
  const char* unit;
  int32_t unit_multiplier;
  const char* description;
  const char* numerator;  // Indicator ids.
  const char* denominator;
  double scale;
  const char* formula;
  const char* published_equivalent;  // "" if none.
};

// Every derived ratio the service knows. A rule applies to a dataset that has
// both its inputs and no published indicator of the same id.
absl::Span<const RatioRule> RatioRules();

// Returns the rule that computes `indicator_id` as a ratio: its own, or the
// one whose published equivalent it is; nullptr if there is none.
const RatioRule* RatioRuleFor(absl::string_view indicator_id);

// Returns num x 10^num_multiplier / (den x 10^den_multiplier) x scale,
// expressed in units of 10^out_multiplier; nullopt if it is not a finite
// number (a zero denominator).
std::optional<double> RatioValue(double num, int32_t num_multiplier, double den,
                                 int32_t den_multiplier, double scale,
                                 int32_t out_multiplier);

// A derived indicator of one dataset version.
struct DerivedIndicator {
  const RatioRule* rule;
  std::array<uint32_t, 2> inputs;  // Indicator indexes: numerator, denominator.
  std::optional<uint32_t> published_equivalent;  // Indicator index.
};

// What `AddDerivedIndicators` added.
struct DerivedTables {
  uint32_t published_indicators = 0;  // Indicators before the derived ones.
  uint32_t published_rows = 0;        // Observation rows before them.
  std::vector<DerivedIndicator> indicators;     // By indicator - published.
  std::vector<std::array<uint32_t, 2>> inputs;  // By row - published: rows.
};

// Appends the derived indicators that apply to `tables` after the published
// ones, and one row per region and period where both inputs have a figure,
// computed from the preferred figure of each (the first of its period in
// query order), after every published row. `tables->observations` must be in
// query order; published rows keep their places. A derived row cites every
// source of its inputs, has their weakest status and reliability, and
// `Qualifier::kAbout` if either input is hedged.
DerivedTables AddDerivedIndicators(DatasetTables* tables);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_DERIVED_INDICATORS_H_
