#include "server/rpc/convert.h"

#include <charconv>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/time_util.h"

namespace indicators::rpc {
void ToProto(const Indicator& in, v1::Indicator* out) {
  out->set_id(in.id);
  out->set_name(in.name);
  out->set_unit(in.unit);
  out->set_unit_multiplier(in.unit_multiplier);
  out->set_description(in.description);
  out->set_aggregation(static_cast<v1::Aggregation>(in.aggregation));
}

void ToProto(const Region& in, v1::Region* out) {
  out->set_code(in.code);
  out->set_name(in.name);
  out->set_type(static_cast<v1::RegionType>(in.type));
  out->set_parent_code(in.parent_code);
}

void ToProto(const Source& in, v1::Source* out) {
  out->set_id(in.id);
  out->set_publisher(in.publisher);
  out->set_title(in.title);
  out->set_published(in.published.text);
  out->set_url(in.url);
  out->set_reliability(static_cast<v1::SourceReliability>(in.reliability));
  out->set_note(in.note);
}

void ToProto(const Dataset& dataset, uint32_t row, v1::Observation* out) {
  const Observation& o = dataset.observations()[row];
  const Indicator& indicator = dataset.indicators()[o.indicator];
  out->set_indicator_id(indicator.id);
  out->set_region_code(dataset.regions()[o.region].code);
  out->set_period(o.period.ToString());
  out->set_value(o.value);
  out->set_unit(indicator.unit);
  out->set_unit_multiplier(indicator.unit_multiplier);
  out->set_qualifier(static_cast<v1::Qualifier>(o.qualifier));
  out->set_status(static_cast<v1::ObservationStatus>(o.status));
  for (uint32_t s : dataset.sources_of(o)) {
    out->add_source_ids(dataset.sources()[s].id);
  }
  out->set_note(std::string(dataset.note_of(o)));
  out->set_reliability(static_cast<v1::SourceReliability>(o.reliability));
}

void ToProto(const History& in, v1::GetObservationHistoryResponse* out) {
  const Dataset& d = *in.dataset;
  for (uint32_t row : in.rows) {
    v1::ObservationVintage* vintage = out->add_vintages();
    ToProto(d, row, vintage->mutable_observation());
    if (const uint32_t day = d.known_from(d.observations()[row]); day != 0) {
      vintage->set_known_from(absl::StrFormat("%04d-%02d-%02d", day / 10000,
                                              day / 100 % 100, day % 100));
    }
  }
  out->set_dataset_version(d.version());
}

google::protobuf::Timestamp ToProto(absl::Time time) {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      absl::ToUnixNanos(time));
}

void ToProto(const Dataset& dataset, v1::DatasetInfo* out) {
  out->set_version(dataset.version());
  *out->mutable_load_time() = ToProto(dataset.load_time());
  out->set_indicator_count(static_cast<int32_t>(dataset.indicators().size()));
  out->set_region_count(static_cast<int32_t>(dataset.regions().size()));
  out->set_source_count(static_cast<int32_t>(dataset.sources().size()));
  out->set_observation_count(
      static_cast<int64_t>(dataset.observations().size()));
  for (const IndicatorCoverage& c : dataset.coverage()) {
    v1::IndicatorCoverage* cov = out->add_coverage();
    cov->set_indicator_id(dataset.indicators()[c.indicator].id);
    cov->set_observation_count(c.observation_count);
    cov->set_region_count(c.region_count);
    if (c.first_period) cov->set_first_period(c.first_period->ToString());
    if (c.last_period) cov->set_last_period(c.last_period->ToString());
    cov->set_source_count(c.source_count);
  }
  out->set_revision(dataset.revision());
}

void ToProto(const ReloadOutcome& in, v1::ReloadOutcome* out) {
  *out->mutable_time() = ToProto(in.time);
  out->set_trigger(in.trigger);
  out->set_succeeded(in.status.ok());
  out->set_error(std::string(in.status.message()));
  out->set_version(in.version);
}

ObservationFilter FromProto(const v1::ObservationFilter& in) {
  ObservationFilter out;
  out.indicator_ids.assign(in.indicator_ids().begin(),
                           in.indicator_ids().end());
  out.region_codes.assign(in.region_codes().begin(), in.region_codes().end());
  out.include_subregions = in.include_subregions();
  out.start_period = in.start_period();
  out.end_period = in.end_period();
  out.source_ids.assign(in.source_ids().begin(), in.source_ids().end());
  out.min_reliability =
      UncheckedEnum<Reliability>::FromInt(in.min_reliability());
  for (int status : in.statuses()) {
    out.statuses.push_back(UncheckedEnum<ObservationStatus>::FromInt(status));
  }
  out.latest_only = in.latest_only();
  out.source_mode = UncheckedEnum<SourceMode>::FromInt(in.source_mode());
  out.known_on = in.known_on();
  return out;
}

namespace {

// The CSV name of an enum value (`QUALIFIER_ABOUT` -> `about`), or the number
// if the value has no name.
std::string CsvEnum(int value, const google::protobuf::EnumDescriptor* type,
                    absl::string_view prefix) {
  const google::protobuf::EnumValueDescriptor* named =
      type->FindValueByNumber(value);
  if (named == nullptr) return absl::StrCat(value);
  return absl::AsciiStrToLower(absl::StripPrefix(named->name(), prefix));
}

std::string CsvNumber(double value) {
  char buffer[400];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value,
                              std::chars_format::fixed);
  return std::string(buffer, result.ptr);
}

}  // namespace

IngestBatch FromProto(const v1::IngestObservationsRequest& in) {
  IngestBatch out;
  out.idempotency_key = in.idempotency_key();
  for (const v1::Observation& o : in.observations()) {
    out.observations.push_back(
        {o.indicator_id(), o.region_code(), o.period(), CsvNumber(o.value()),
         CsvEnum(o.qualifier(), v1::Qualifier_descriptor(), "QUALIFIER_"),
         CsvEnum(o.status(), v1::ObservationStatus_descriptor(),
                 "OBSERVATION_STATUS_"),
         absl::StrJoin(o.source_ids(), ";"), o.note()});
  }
  for (const v1::ObservationKey& k : in.withdrawals()) {
    out.withdrawals.push_back({k.indicator_id(), k.region_code(), k.period(),
                               std::vector<std::string>(k.source_ids().begin(),
                                                        k.source_ids().end())});
  }
  for (const v1::Source& s : in.sources()) {
    out.sources.push_back(
        {s.id(), s.publisher(), s.title(), s.published(), s.url(),
         CsvEnum(s.reliability(), v1::SourceReliability_descriptor(),
                 "SOURCE_RELIABILITY_"),
         s.note()});
  }
  return out;
}

void ToProto(const IngestResult& in, v1::IngestObservationsResponse* out) {
  out->set_revision(in.revision);
  out->set_added(in.added);
  out->set_revised(in.revised);
  out->set_withdrawn(in.withdrawn);
  out->set_unchanged(in.unchanged);
  out->set_sources_added(in.sources_added);
  out->set_replayed(in.replayed);
}

}  // namespace indicators::rpc
