#ifndef INDICATORS_SERVER_CORE_CHANGE_DATASET_DIFF_H_
#define INDICATORS_SERVER_CORE_CHANGE_DATASET_DIFF_H_

#include <cstdint>
#include <vector>

#include "server/core/dataset/dataset.h"

namespace indicators {

enum class ChangeKind : uint8_t { kAdded = 1, kRevised, kWithdrawn };

// One observation that differs between two versions of the dataset. An
// observation is identified as by the duplicate rule (indicator, region,
// period and set of sources); it is revised when anything served of it
// changed (value, qualifier, status, note, reliability).
struct RowChange {
  ChangeKind kind;
  // The row in the later version, or for a withdrawal in the earlier one.
  uint32_t row;
};

// Returns the changes from `before` to `after` in query order of figures, by
// one merge over both (linear in their sizes).
std::vector<RowChange> DiffDatasets(const Dataset& before,
                                    const Dataset& after);

// The same for the derived rows only (what a version's recorded changes do
// to the figures computed from them).
std::vector<RowChange> DiffDerivedRows(const Dataset& before,
                                       const Dataset& after);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_CHANGE_DATASET_DIFF_H_
