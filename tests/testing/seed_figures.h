#ifndef INDICATORS_TESTS_TESTING_SEED_FIGURES_H_
#define INDICATORS_TESTS_TESTING_SEED_FIGURES_H_

#include <vector>

#include "server/core/dataset/model.h"

namespace indicators::testing {

// One of the seed report's figures for Guangdong, 2023, as it states it.
struct SeedFigure {
  const char* indicator;
  double value;
  Qualifier qualifier;
};

// Returns the seed report's six figures (source SEED, region CN-GD, 2023).
inline std::vector<SeedFigure> SeedFigures() {
  return {
      {"high_tech_enterprises", 75000, Qualifier::kOver},
      {"rd_expenditure", 460, Qualifier::kExact},
      {"rd_expenditure_usd", 64.8, Qualifier::kAbout},
      {"rd_personnel", 1350000, Qualifier::kExact},
      {"valid_invention_patents", 665000, Qualifier::kOver},
      {"pct_applications", 23700, Qualifier::kExact},
  };
}

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_SEED_FIGURES_H_
