#ifndef INDICATORS_SERVER_CORE_ANALYSIS_CATALOG_SEARCH_H_
#define INDICATORS_SERVER_CORE_ANALYSIS_CATALOG_SEARCH_H_

// Free-text search over the catalog: indicators (id, name, description),
// regions (code, name) and sources (id, publisher, title), ranked, tolerant
// of a typo, an unfinished word or a missing word.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/core/dataset/dataset.h"

namespace indicators {

inline constexpr int32_t kDefaultSearchResults = 20;
inline constexpr int32_t kMaxSearchResults = 100;
inline constexpr size_t kMaxSearchQueryBytes = 500;

enum class CatalogKind : uint8_t { kIndicator, kRegion, kSource };

struct SearchHit {
  CatalogKind kind;
  uint32_t index;  // Into the dataset's table of that kind.
  double score;    // Higher is better.
  std::vector<std::string> matched_terms;  // Query words, as typed.
};

// Returns the best `max_results` entries (0: the default; above the maximum:
// clamped) for `query`, best first; ties in table order (indicators, regions,
// sources). Each query word scores its best match in an entry: the same word
// (or a synonym: "r&d", "rd", "research and development") 1, a word it begins
// 0.8, one or two letters off 0.6, weighted 3 in ids, codes and names and 1 in
// descriptions, publishers and titles; an entry that matches every word
// scores half again. An entry must match at least one word. INVALID_ARGUMENT
// for an empty or too long query or a negative `max_results`.
absl::StatusOr<std::vector<SearchHit>> SearchCatalog(const Dataset& dataset,
                                                     absl::string_view query,
                                                     int32_t max_results,
                                                     bool include_derived);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_ANALYSIS_CATALOG_SEARCH_H_
