#include "server/core/dataset/dataset.h"

#include <algorithm>
#include <numeric>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"

namespace indicators {

std::shared_ptr<const Dataset> Dataset::Create(DatasetTables tables,
                                               std::string version,
                                               absl::Time load_time,
                                               int64_t revision, bool sorted) {
  std::shared_ptr<Dataset> d(new Dataset());
  d->t_ = std::move(tables);
  if (d->t_.notes.empty()) d->t_.notes.emplace_back();
  d->version_ = std::move(version);
  d->load_time_ = load_time;
  d->revision_ = revision;
  if (!sorted) SortIntoQueryOrder(&d->t_, nullptr);
  d->derived_ = AddDerivedIndicators(&d->t_);
  d->BuildIndexes();
  return d;
}

uint32_t Dataset::known_from(const Observation& o) const {
  const size_t row = static_cast<size_t>(&o - t_.observations.data());
  if (row < t_.observations.size() && is_derived_row(row)) {
    uint32_t latest = 0;
    for (uint32_t input : inputs_of(row)) {
      const uint32_t day = known_from(t_.observations[input]);
      if (day == 0) return 0;
      latest = std::max(latest, day);
    }
    return latest;
  }
  uint32_t earliest = 0;
  for (uint32_t s : sources_of(o)) {
    const uint32_t day = source_known_from_[s];
    if (day != 0 && (earliest == 0 || day < earliest)) earliest = day;
  }
  return earliest;
}

void Dataset::BuildIndexes() {
  source_known_from_.clear();
  for (const Source& s : t_.sources) {
    // sort_key is YYYYMMDD with 0 for a missing month or day: count such a
    // date from the last day it can mean (day 31 orders after every day).
    uint32_t key = static_cast<uint32_t>(s.published.sort_key);
    if (key != 0 && key % 10000 == 0) key += 1231;
    if (key != 0 && key % 100 == 0) key += 31;
    source_known_from_.push_back(key);
  }
  indicator_index_ = IndexById(t_.indicators, &Indicator::id);
  region_index_ = IndexById(t_.regions, &Region::code);
  source_index_ = IndexById(t_.sources, &Source::id);
  children_.assign(t_.regions.size(), {});
  for (uint32_t i = 0; i < t_.regions.size(); ++i) {
    if (auto parent = FindRegion(t_.regions[i].parent_code)) {
      children_[*parent].push_back(i);  // In code order: i ascends.
    }
  }

  const std::vector<Observation>& rows = t_.observations;
  series_by_indicator_.assign(t_.indicators.size() + 1, 0);
  for (uint32_t r = 0; r < rows.size();) {
    uint32_t end = r;
    while (end < rows.size() && rows[end].indicator == rows[r].indicator &&
           rows[end].region == rows[r].region) {
      ++end;
    }
    series_.push_back({rows[r].indicator, rows[r].region, r, end});
    ++series_by_indicator_[rows[r].indicator + 1];
    r = end;
  }
  std::partial_sum(series_by_indicator_.begin(), series_by_indicator_.end(),
                   series_by_indicator_.begin());

  indicators_by_id_.resize(t_.indicators.size());
  std::iota(indicators_by_id_.begin(), indicators_by_id_.end(), 0u);
  std::sort(indicators_by_id_.begin(), indicators_by_id_.end(),
            [&](uint32_t a, uint32_t b) {
              return t_.indicators[a].id < t_.indicators[b].id;
            });
  scan_begin_.assign(t_.indicators.size(), 0);
  uint64_t position = 0;
  for (uint32_t i : indicators_by_id_) {
    scan_begin_[i] = position;
    position += row_count(i);
  }

  std::vector<bool> cited(t_.sources.size());
  for (uint32_t i = 0; i < t_.indicators.size(); ++i) {
    absl::Span<const Series> series = series_of(i);
    if (series.empty()) continue;
    IndicatorCoverage c;
    c.indicator = i;
    c.region_count = static_cast<int32_t>(series.size());
    std::fill(cited.begin(), cited.end(), false);
    for (const Series& s : series) {
      c.observation_count += s.end - s.begin;
      const Period first = rows[s.begin].period;
      const Period last = rows[s.end - 1].period;
      if (!c.first_period || first < *c.first_period) c.first_period = first;
      if (!c.last_period || *c.last_period < last) c.last_period = last;
      for (uint32_t r = s.begin; r < s.end; ++r) {
        for (uint32_t src : sources_of(rows[r])) {
          c.source_count += cited[src] ? 0 : 1;
          cited[src] = true;
        }
      }
    }
    coverage_.push_back(c);
  }
}

std::optional<uint32_t> Dataset::FindIndicator(absl::string_view id) const {
  auto it = indicator_index_.find(id);
  if (it == indicator_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> Dataset::FindRegion(absl::string_view code) const {
  auto it = region_index_.find(code);
  if (it == region_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> Dataset::FindSource(absl::string_view id) const {
  auto it = source_index_.find(id);
  if (it == source_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<uint32_t> Dataset::preferred_row(uint32_t indicator,
                                               uint32_t region,
                                               Period period) const {
  absl::Span<const Series> series = series_of(indicator);
  auto s =
      std::partition_point(series.begin(), series.end(),
                           [&](const Series& x) { return x.region < region; });
  if (s == series.end() || s->region != region) return std::nullopt;
  const Observation* first = t_.observations.data() + s->begin;
  const Observation* last = t_.observations.data() + s->end;
  const Observation* it = std::partition_point(
      first, last, [&](const Observation& o) { return o.period < period; });
  if (it == last || it->period != period) return std::nullopt;
  return static_cast<uint32_t>(it - t_.observations.data());
}

uint32_t Dataset::first_row(uint32_t indicator) const {
  absl::Span<const Series> series = series_of(indicator);
  return series.empty() ? 0 : series.front().begin;
}

uint32_t Dataset::row_count(uint32_t indicator) const {
  absl::Span<const Series> series = series_of(indicator);
  return series.empty() ? 0 : series.back().end - series.front().begin;
}

uint64_t Dataset::ScanPosition(uint32_t row) const {
  const uint32_t indicator = t_.observations[row].indicator;
  return scan_begin_[indicator] + (row - first_row(indicator));
}

absl::Span<const Series> Dataset::series_of(uint32_t indicator) const {
  const uint32_t begin = series_by_indicator_[indicator];
  const uint32_t end = series_by_indicator_[indicator + 1];
  return absl::MakeConstSpan(series_).subspan(begin, end - begin);
}

std::string DescribeRow(const Dataset& d, uint32_t row) {
  const Observation& o = d.observations()[row];
  std::string out =
      absl::StrCat(d.indicators()[o.indicator].id, " ",
                   d.regions()[o.region].code, " ", o.period.ToString(), " (");
  absl::string_view sep;
  for (uint32_t s : d.sources_of(o)) {
    absl::StrAppend(&out, sep, d.sources()[s].id);
    sep = ";";
  }
  absl::StrAppend(&out, ")");
  return out;
}

}  // namespace indicators
