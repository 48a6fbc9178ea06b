#ifndef INDICATORS_SERVER_CORE_ANALYSIS_REGION_CODES_H_
#define INDICATORS_SERVER_CORE_ANALYSIS_REGION_CODES_H_

// The regions a request lists by code, as the analyses over regions
// (aggregates, rankings) read them.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/dataset/dataset.h"

namespace indicators {

// The regions of `codes`, sorted and each once; NOT_FOUND naming
// `region_codes[k]` for an unknown code.
absl::StatusOr<std::vector<uint32_t>> ResolveRegionCodes(
    const Dataset& dataset, const std::vector<std::string>& codes);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_ANALYSIS_REGION_CODES_H_
