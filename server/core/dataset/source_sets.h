#ifndef INDICATORS_SERVER_CORE_DATASET_SOURCE_SETS_H_
#define INDICATORS_SERVER_CORE_DATASET_SOURCE_SETS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"

namespace indicators {

// The distinct sets of sources that observations cite, each stored once: a
// dataset has millions of rows but few combinations of sources, so a row
// holds one set index, and a columnar export sends each set once as a
// dictionary entry.
class SourceSets {
 public:
  // Returns the index of the set `sources` (source indexes, sorted, without
  // repeats), adding it if it is new. Indexes count from 0 in order of
  // first appearance.
  uint32_t Intern(absl::Span<const uint32_t> sources);

  // Returns the source indexes of set `set`, sorted.
  absl::Span<const uint32_t> operator[](uint32_t set) const {
    return absl::MakeConstSpan(refs_).subspan(
        offsets_[set], offsets_[set + 1] - offsets_[set]);
  }
  // Returns the number of distinct sets.
  size_t size() const { return offsets_.size() - 1; }

 private:
  std::vector<uint32_t> refs_;        // Every set's sources, set after set.
  std::vector<uint32_t> offsets_{0};  // Set k is refs_[offsets_[k], [k + 1]).
  absl::flat_hash_map<std::string, uint32_t> index_;  // Bytes of a set -> k.
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_SOURCE_SETS_H_
