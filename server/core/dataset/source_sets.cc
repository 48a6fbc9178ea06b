#include "server/core/dataset/source_sets.h"

namespace indicators {

uint32_t SourceSets::Intern(absl::Span<const uint32_t> sources) {
  std::string key(reinterpret_cast<const char*>(sources.data()),
                  sources.size() * sizeof(uint32_t));
  auto [it, added] =
      index_.try_emplace(std::move(key), static_cast<uint32_t>(size()));
  if (added) {
    refs_.insert(refs_.end(), sources.begin(), sources.end());
    offsets_.push_back(static_cast<uint32_t>(refs_.size()));
  }
  return it->second;
}

}  // namespace indicators
