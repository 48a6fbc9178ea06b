#include "server/core/change/watch_filter.h"

#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"

namespace indicators {

ChangedRow ChangedRowOf(const Dataset& dataset, uint32_t row) {
  const Observation& o = dataset.observations()[row];
  ChangedRow out;
  out.indicator_id = dataset.indicators()[o.indicator].id;
  out.region_code = dataset.regions()[o.region].code;
  out.last_month = o.period.last_month_index();
  for (uint32_t s : dataset.sources_of(o)) {
    out.source_ids.push_back(dataset.sources()[s].id);
  }
  out.status = o.status;
  out.reliability = o.reliability;
  out.derived = dataset.is_derived_row(row);
  return out;
}

absl::StatusOr<WatchFilter> WatchFilter::Create(const Dataset& dataset,
                                                const ObservationFilter& filter,
                                                size_t max_ids) {
  if (filter.latest_only) {
    return InvalidField(reason::kInvalidRequest, "filter.latest_only",
                        "picks among versions of a figure; a watch sends "
                        "every change");
  }
  if (filter.source_mode.value() == static_cast<int>(SourceMode::kPreferred)) {
    return InvalidField(reason::kInvalidRequest, "filter.source_mode",
                        "PREFERRED picks among versions of a figure; a watch "
                        "sends every change");
  }
  if (!filter.known_on.empty()) {
    return InvalidField(reason::kInvalidRequest, "filter.known_on",
                        "asks about the past; a watch sends changes from now");
  }
  ASSIGN_OR_RETURN(CompiledFilter compiled,
                   CompileFilter(dataset, filter, max_ids));
  WatchFilter out;
  for (uint32_t i : compiled.indicators) {
    out.indicators_.insert(dataset.indicators()[i].id);
  }
  for (uint32_t r : compiled.regions) {
    out.regions_.insert(dataset.regions()[r].code);
  }
  for (size_t s = 0; s < compiled.sources.size(); ++s) {
    if (compiled.sources[s]) out.sources_.insert(dataset.sources()[s].id);
  }
  out.first_month_ = compiled.first_month;
  out.last_month_ = compiled.last_month;
  out.status_mask_ = compiled.status_mask;
  out.min_reliability_ = compiled.min_reliability;
  return out;
}

bool WatchFilter::Matches(const ChangedRow& row) const {
  if (indicators_.empty() ? row.derived
                          : !indicators_.contains(row.indicator_id)) {
    return false;
  }
  if (!regions_.empty() && !regions_.contains(row.region_code)) return false;
  if (row.last_month < first_month_ || row.last_month > last_month_) {
    return false;
  }
  if (!(status_mask_ & (1u << static_cast<int>(row.status)))) return false;
  if (row.reliability < min_reliability_) return false;
  if (sources_.empty()) return true;
  for (const std::string& id : row.source_ids) {
    if (sources_.contains(id)) return true;
  }
  return false;
}

}  // namespace indicators
