#include "server/core/analysis/region_codes.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/core/base/errors.h"

namespace indicators {

absl::StatusOr<std::vector<uint32_t>> ResolveRegionCodes(
    const Dataset& d, const std::vector<std::string>& codes) {
  std::vector<uint32_t> regions;
  for (size_t k = 0; k < codes.size(); ++k) {
    std::optional<uint32_t> r = d.FindRegion(codes[k]);
    if (!r) {
      return UnknownId(reason::kUnknownRegion,
                       absl::StrCat("region_codes[", k, "]"),
                       absl::StrCat("unknown region ", Quoted(codes[k])));
    }
    regions.push_back(*r);
  }
  std::sort(regions.begin(), regions.end());
  regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
  return regions;
}

}  // namespace indicators
