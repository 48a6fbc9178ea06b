#ifndef INDICATORS_SERVER_CORE_DATASET_MODEL_H_
#define INDICATORS_SERVER_CORE_DATASET_MODEL_H_

// The data model in plain C++. Enum values equal those of the `indicators.v1`
// protos so that the rpc layer converts them with a range check and a cast.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "server/core/dataset/period.h"

namespace indicators {

enum class Qualifier : uint8_t { kExact = 1, kAbout, kOver, kUnder, kNearly };
enum class ObservationStatus : uint8_t { kFinal = 1, kPreliminary, kEstimate };
// Ordered: a larger value is a more reliable grade.
enum class Reliability : uint8_t {
  kUnspecified = 0,
  kUnverified,
  kNews,
  kAggregator,
  kOfficialMirror,
  kOfficial,
};
enum class Aggregation : uint8_t { kSum = 1, kNone };
enum class RegionType : uint8_t {
  kUnspecified = 0,
  kCountry,
  kProvince,
  kAutonomousRegion,
  kMunicipality,
  kSpecialAdministrativeRegion,
  kAggregate,
};
// kUnspecified means kAll.
enum class SourceMode : uint8_t { kUnspecified = 0, kAll, kPreferred };

// Spellings used in dataset files, e.g. "over" or "official_mirror". Each
// `Parse*` returns nullopt for an unknown spelling.
absl::string_view QualifierName(Qualifier q);
absl::string_view StatusName(ObservationStatus s);
absl::string_view ReliabilityName(Reliability r);
absl::string_view AggregationName(Aggregation a);
absl::string_view RegionTypeName(RegionType t);
std::optional<Qualifier> ParseQualifier(absl::string_view text);
std::optional<ObservationStatus> ParseStatus(absl::string_view text);
std::optional<Reliability> ParseReliability(absl::string_view text);
std::optional<Aggregation> ParseAggregation(absl::string_view text);
std::optional<RegionType> ParseRegionType(absl::string_view text);

struct Indicator {
  std::string id;
  std::string name;
  std::string unit;
  int32_t unit_multiplier = 0;
  std::string description;
  Aggregation aggregation = Aggregation::kSum;
};

struct Region {
  std::string code;
  std::string name;
  RegionType type = RegionType::kUnspecified;
  std::string parent_code;  // Empty for a top-level region.
};

// A publication date as precise as known: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
struct PublicationDate {
  std::string text;  // Empty when unknown.
  // Orders dates; unknown parts count as 0, so an unknown date is the oldest.
  int32_t sort_key = 0;
};

struct Source {
  std::string id;
  std::string publisher;
  std::string title;
  PublicationDate published;
  std::string url;
  Reliability reliability = Reliability::kUnspecified;
  std::string note;
};

// One observation row, compact: ids are indexes into the dataset's tables.
struct Observation {
  double value = 0;
  uint32_t indicator = 0;   // Index into `Dataset::indicators()`.
  uint32_t region = 0;      // Index into `Dataset::regions()`.
  uint32_t source_set = 0;  // Index into `Dataset::source_sets()`.
  uint32_t note = 0;        // Index into `Dataset::notes()`; 0 is "".
  Period period = Period::Year(1000);
  Qualifier qualifier = Qualifier::kExact;
  ObservationStatus status = ObservationStatus::kFinal;
  Reliability reliability = Reliability::kUnspecified;  // Best of its sources.
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_MODEL_H_
