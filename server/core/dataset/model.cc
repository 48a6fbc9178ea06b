#include "server/core/dataset/model.h"

#include <array>
#include <utility>

namespace indicators {
namespace {

// Maps enum values to file spellings; index i holds value i (0 unused where
// the enum has no unspecified value).
template <typename Enum, size_t N>
std::optional<Enum> Lookup(const std::array<absl::string_view, N>& names,
                           absl::string_view text) {
  for (size_t i = 1; i < N; ++i) {
    if (names[i] == text) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

template <typename Enum, size_t N>
absl::string_view Name(const std::array<absl::string_view, N>& names, Enum e) {
  const size_t i = static_cast<size_t>(e);
  return i < N ? names[i] : absl::string_view("unspecified");
}

constexpr std::array<absl::string_view, 6> kQualifiers = {
    "", "exact", "about", "over", "under", "nearly"};
constexpr std::array<absl::string_view, 4> kStatuses = {
    "", "final", "preliminary", "estimate"};
constexpr std::array<absl::string_view, 6> kReliabilities = {
    "", "unverified", "news", "aggregator", "official_mirror", "official"};
constexpr std::array<absl::string_view, 3> kAggregations = {"", "sum", "none"};
constexpr std::array<absl::string_view, 7> kRegionTypes = {
    "",
    "country",
    "province",
    "autonomous_region",
    "municipality",
    "special_administrative_region",
    "aggregate"};

}  // namespace

absl::string_view QualifierName(Qualifier q) { return Name(kQualifiers, q); }
absl::string_view StatusName(ObservationStatus s) { return Name(kStatuses, s); }
absl::string_view ReliabilityName(Reliability r) {
  return Name(kReliabilities, r);
}
absl::string_view AggregationName(Aggregation a) {
  return Name(kAggregations, a);
}
absl::string_view RegionTypeName(RegionType t) { return Name(kRegionTypes, t); }

std::optional<Qualifier> ParseQualifier(absl::string_view text) {
  return Lookup<Qualifier>(kQualifiers, text);
}
std::optional<ObservationStatus> ParseStatus(absl::string_view text) {
  return Lookup<ObservationStatus>(kStatuses, text);
}
std::optional<Reliability> ParseReliability(absl::string_view text) {
  return Lookup<Reliability>(kReliabilities, text);
}
std::optional<Aggregation> ParseAggregation(absl::string_view text) {
  return Lookup<Aggregation>(kAggregations, text);
}
std::optional<RegionType> ParseRegionType(absl::string_view text) {
  return Lookup<RegionType>(kRegionTypes, text);
}

}  // namespace indicators
