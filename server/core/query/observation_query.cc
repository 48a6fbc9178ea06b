#include "server/core/query/observation_query.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"

namespace indicators {
namespace {

// Resolves `ids` with `find`; NOT_FOUND names the first unknown one.
template <typename Find>
absl::StatusOr<std::vector<uint32_t>> Resolve(
    const std::vector<std::string>& ids, absl::string_view field,
    absl::string_view kind, absl::string_view reason, Find find) {
  std::vector<uint32_t> out;
  out.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    std::optional<uint32_t> index = find(ids[i]);
    if (!index) {
      return UnknownId(reason, absl::StrCat("filter.", field, "[", i, "]"),
                       absl::StrCat("unknown ", kind, " ", Quoted(ids[i])));
    }
    out.push_back(*index);
  }
  return out;
}

// Parses an optional period field of the filter; nullopt when empty.
absl::StatusOr<std::optional<Period>> ParsePeriodField(
    absl::string_view field, const std::string& text) {
  if (text.empty()) return std::optional<Period>();
  auto period = Period::Parse(text);
  if (!period.ok()) {
    return InvalidField(reason::kInvalidPeriod, absl::StrCat("filter.", field),
                        period.status().message());
  }
  return std::optional<Period>(*period);
}

void SortUnique(std::vector<uint32_t>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

template <typename T>
std::string SortedJoin(std::vector<T> items) {
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return absl::StrJoin(items, ",");
}

// Scans one series; returns false when `emit` asked to stop.
class SeriesScanner {
 public:
  SeriesScanner(const Dataset& dataset, const CompiledFilter& filter,
                absl::FunctionRef<bool(uint32_t, uint32_t, uint64_t)> emit)
      : rows_(dataset.observations()),
        dataset_(dataset),
        filter_(filter),
        emit_(emit),
        matches_every_row_(filter.status_mask == ~0u &&
                           filter.min_reliability ==
                               Reliability::kUnspecified &&
                           filter.sources.empty() && filter.known_on == 0) {}

  bool Scan(const Series& s, uint64_t start) {
    // Rows are ordered by period, so the period range is a sub-range (found
    // without touching the rows when the filter has no period bounds).
    const Observation* base = rows_.data();
    uint32_t lo = s.begin;
    uint32_t hi = s.end;
    if (filter_.first_month != INT32_MIN) {
      lo = static_cast<uint32_t>(
          std::partition_point(base + s.begin, base + s.end,
                               [&](const Observation& o) {
                                 return o.period.last_month_index() <
                                        filter_.first_month;
                               }) -
          base);
    }
    if (filter_.last_month != INT32_MAX) {
      hi = static_cast<uint32_t>(
          std::partition_point(base + lo, base + s.end,
                               [&](const Observation& o) {
                                 return o.period.last_month_index() <=
                                        filter_.last_month;
                               }) -
          base);
    }
    lo = static_cast<uint32_t>(std::max<uint64_t>(lo, start));
    if (lo >= hi) return true;
    const bool preferred = filter_.source_mode == SourceMode::kPreferred;
    if (filter_.latest_only) return ScanLatest(s, lo, hi, preferred);
    if (!preferred) {
      if (matches_every_row_) return emit_(lo, hi, hi);
      for (uint32_t r = lo; r < hi; ++r) {
        if (Matches(r) && !emit_(r, r + 1, r + 1)) return false;
      }
      return true;
    }
    for (uint32_t begin = lo; begin < hi;) {
      const uint32_t end = GroupEnd(begin, hi);
      for (uint32_t r = begin; r < end; ++r) {
        if (Matches(r)) {
          if (!emit_(r, r + 1, end)) return false;
          break;
        }
      }
      begin = end;
    }
    return true;
  }

 private:
  // Emits the matches of the last period in [lo, hi) that has any.
  bool ScanLatest(const Series& s, uint32_t lo, uint32_t hi, bool preferred) {
    for (uint32_t end = hi; end > lo;) {
      uint32_t begin = end - 1;
      while (begin > lo && rows_[begin - 1].period == rows_[end - 1].period) {
        --begin;
      }
      bool found = false;
      for (uint32_t r = begin; r < end; ++r) {
        if (!Matches(r)) continue;
        found = true;
        // The preferred row is the series' only one: resume past the series.
        if (!emit_(r, r + 1, preferred ? s.end : r + 1)) return false;
        if (preferred) break;
      }
      if (found) return true;
      end = begin;
    }
    return true;
  }

  uint32_t GroupEnd(uint32_t begin, uint32_t hi) const {
    uint32_t end = begin + 1;
    while (end < hi && rows_[end].period == rows_[begin].period) ++end;
    return end;
  }

  bool Matches(uint32_t r) const {
    const Observation& o = rows_[r];
    if (!(filter_.status_mask & (1u << static_cast<int>(o.status)))) {
      return false;
    }
    if (o.reliability < filter_.min_reliability) return false;
    if (filter_.known_on != 0) {
      const uint32_t known_from = dataset_.known_from(o);
      if (known_from == 0 || known_from > filter_.known_on) return false;
    }
    if (filter_.sources.empty()) return true;
    for (uint32_t s : dataset_.sources_of(o)) {
      if (filter_.sources[s]) return true;
    }
    return false;
  }

  const std::vector<Observation>& rows_;
  const Dataset& dataset_;
  const CompiledFilter& filter_;
  absl::FunctionRef<bool(uint32_t, uint32_t, uint64_t)> emit_;
  // No filter on status, grade, source or date: every row in range matches.
  const bool matches_every_row_;
};

// INVALID_ARGUMENT (TOO_MANY_IDS) for a list longer than `max_ids`.
absl::Status CheckListSizes(const ObservationFilter& filter, size_t max_ids) {
  for (const auto& [field, count] :
       {std::pair<const char*, size_t>{"indicator_ids",
                                       filter.indicator_ids.size()},
        {"region_codes", filter.region_codes.size()},
        {"source_ids", filter.source_ids.size()},
        {"statuses", filter.statuses.size()}}) {
    if (count > max_ids) {
      return InvalidField(
          reason::kTooManyIds, absl::StrCat("filter.", field),
          absl::StrCat(count, " entries exceed this server's limit of ",
                       max_ids, " per list"));
    }
  }
  return absl::OkStatus();
}

// Resolves the indicator ids and region codes (with the regions'
// subregions when asked) to indexes without repeats: regions sorted,
// indicators in id order.
absl::Status CompileIds(const Dataset& dataset, const ObservationFilter& filter,
                        CompiledFilter* out) {
  ASSIGN_OR_RETURN(out->indicators,
                   Resolve(filter.indicator_ids, "indicator_ids", "indicator",
                           reason::kUnknownIndicator, [&](auto& id) {
                             return dataset.FindIndicator(id);
                           }));
  SortUnique(&out->indicators);
  // The scan's order: by id, the derived indicators among the published.
  std::sort(out->indicators.begin(), out->indicators.end(),
            [&](uint32_t a, uint32_t b) {
              return dataset.indicators()[a].id < dataset.indicators()[b].id;
            });
  ASSIGN_OR_RETURN(out->regions,
                   Resolve(filter.region_codes, "region_codes", "region",
                           reason::kUnknownRegion,
                           [&](auto& id) { return dataset.FindRegion(id); }));
  if (filter.include_subregions) {
    for (size_t i = 0; i < out->regions.size(); ++i) {  // Grows as it goes.
      for (uint32_t child : dataset.children(out->regions[i])) {
        if (std::find(out->regions.begin(), out->regions.end(), child) ==
            out->regions.end()) {
          out->regions.push_back(child);
        }
      }
    }
  }
  SortUnique(&out->regions);
  return absl::OkStatus();
}

// Resolves the source ids to a mark per source (none: every source).
absl::Status CompileSources(const Dataset& dataset,
                            const ObservationFilter& filter,
                            CompiledFilter* out) {
  ASSIGN_OR_RETURN(
      std::vector<uint32_t> sources,
      Resolve(filter.source_ids, "source_ids", "source", reason::kUnknownSource,
              [&](auto& id) { return dataset.FindSource(id); }));
  if (!sources.empty()) {
    out->sources.assign(dataset.sources().size(), false);
    for (uint32_t s : sources) out->sources[s] = true;
  }
  return absl::OkStatus();
}

// Turns the period bounds into month bounds; the end may not come first.
absl::Status CompilePeriods(const ObservationFilter& filter,
                            CompiledFilter* out) {
  ASSIGN_OR_RETURN(std::optional<Period> start,
                   ParsePeriodField("start_period", filter.start_period));
  if (start) out->first_month = start->first_month_index();
  ASSIGN_OR_RETURN(std::optional<Period> end,
                   ParsePeriodField("end_period", filter.end_period));
  if (end) out->last_month = end->last_month_index();
  if (start && end && out->first_month > out->last_month) {
    return InvalidField(reason::kPeriodOutOfRange, "filter.end_period",
                        absl::StrCat("\"", filter.end_period,
                                     "\" ends before filter.start_period \"",
                                     filter.start_period, "\" begins"));
  }
  return absl::OkStatus();
}

// Checks the enum fields (reliability, statuses, source mode) and the
// `known_on` date.
absl::Status CompileChoices(const ObservationFilter& filter,
                            CompiledFilter* out) {
  ASSIGN_OR_RETURN(out->min_reliability,
                   CheckEnum(filter.min_reliability, Reliability::kUnspecified,
                             Reliability::kOfficial, "filter.min_reliability"));
  if (!filter.statuses.empty()) {
    out->status_mask = 0;
    for (size_t i = 0; i < filter.statuses.size(); ++i) {
      ASSIGN_OR_RETURN(ObservationStatus status,
                       CheckEnum(filter.statuses[i], ObservationStatus::kFinal,
                                 ObservationStatus::kEstimate,
                                 absl::StrCat("filter.statuses[", i, "]")));
      out->status_mask |= 1u << static_cast<int>(status);
    }
  }
  ASSIGN_OR_RETURN(SourceMode source_mode,
                   CheckEnum(filter.source_mode, SourceMode::kUnspecified,
                             SourceMode::kPreferred, "filter.source_mode"));
  out->source_mode =
      source_mode == SourceMode::kUnspecified ? SourceMode::kAll : source_mode;
  out->latest_only = filter.latest_only;
  if (filter.known_on.empty()) return absl::OkStatus();
  absl::CivilDay day;
  if (filter.known_on.size() != 10 ||
      !absl::ParseCivilTime(filter.known_on, &day) || day.year() < 1000 ||
      day.year() > 9999) {
    return InvalidField(
        reason::kInvalidDate, "filter.known_on",
        absl::StrCat(Quoted(filter.known_on), " is not a date (YYYY-MM-DD)"));
  }
  out->known_on =
      static_cast<uint32_t>(day.year() * 10000 + day.month() * 100 + day.day());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CompiledFilter> CompileFilter(const Dataset& dataset,
                                             const ObservationFilter& filter,
                                             size_t max_ids) {
  RETURN_IF_ERROR(CheckListSizes(filter, max_ids));
  CompiledFilter out;
  // In the order the fields are checked, so that the first error reported
  // stays the same: ids, periods, sources, the rest.
  RETURN_IF_ERROR(CompileIds(dataset, filter, &out));
  RETURN_IF_ERROR(CompilePeriods(filter, &out));
  RETURN_IF_ERROR(CompileSources(dataset, filter, &out));
  RETURN_IF_ERROR(CompileChoices(filter, &out));
  return out;
}

std::string CanonicalText(const ObservationFilter& f) {
  std::vector<int32_t> statuses;
  for (UncheckedEnum<ObservationStatus> s : f.statuses) {
    statuses.push_back(s.value());
  }
  // Unspecified and all select the same rows.
  const int32_t mode = f.source_mode.value() == 0
                           ? static_cast<int32_t>(SourceMode::kAll)
                           : f.source_mode.value();
  return absl::StrCat(
      "i=", SortedJoin(f.indicator_ids), ";r=", SortedJoin(f.region_codes),
      ";sub=", f.include_subregions && !f.region_codes.empty(),
      ";from=", f.start_period, ";to=", f.end_period,
      ";s=", SortedJoin(f.source_ids), ";min=", f.min_reliability.value(),
      ";st=", SortedJoin(statuses), ";latest=", f.latest_only, ";mode=", mode,
      ";known=", f.known_on);
}

bool ScanObservations(const Dataset& dataset, const CompiledFilter& filter,
                      uint64_t start,
                      absl::FunctionRef<bool(uint32_t, uint64_t)> emit,
                      absl::FunctionRef<bool()> cancelled) {
  return ScanObservationRuns(
      dataset, filter, start,
      [&](uint32_t begin, uint32_t end, uint64_t resume) {
        // The rows of a run are consecutive in the scan sequence too.
        const uint64_t first = dataset.ScanPosition(begin);
        for (uint32_t r = begin; r < end; ++r) {
          if (!emit(r, r + 1 == end ? resume : first + (r - begin) + 1)) {
            return false;
          }
        }
        return true;
      },
      cancelled);
}

bool ScanObservationRuns(
    const Dataset& dataset, const CompiledFilter& filter, uint64_t start,
    absl::FunctionRef<bool(uint32_t, uint32_t, uint64_t)> emit,
    absl::FunctionRef<bool()> cancelled) {
  bool was_cancelled = false;
  // The indicator being scanned: its rows begin at `first_row` and its
  // place in the scan sequence at `first_position`.
  uint32_t first_row = 0;
  uint64_t first_position = 0;
  // The scanner resumes at rows; callers resume at places in the sequence.
  // (A named lambda: the scanner holds only a reference to it.)
  auto emit_placed = [&](uint32_t begin, uint32_t end, uint64_t resume_row) {
    return emit(begin, end, first_position + (resume_row - first_row));
  };
  SeriesScanner scanner(dataset, filter, emit_placed);
  // Scans one series from row `from` unless the caller has gone; false stops
  // the walk.
  auto scan = [&](const Series& s, uint32_t from) {
    if (cancelled()) {
      was_cancelled = true;
      return false;
    }
    return scanner.Scan(s, from);
  };
  auto scan_indicator = [&](uint32_t indicator) {
    first_row = dataset.first_row(indicator);
    first_position = dataset.scan_begin(indicator);
    const uint32_t count = dataset.row_count(indicator);
    if (first_position + count <= start) return true;  // Before `start`.
    const uint32_t from =
        first_row + static_cast<uint32_t>(
                        start > first_position ? start - first_position : 0);
    absl::Span<const Series> series = dataset.series_of(indicator);
    if (filter.regions.empty()) {
      // Skip the series that end before `from`.
      auto it =
          std::partition_point(series.begin(), series.end(),
                               [&](const Series& s) { return s.end <= from; });
      for (; it != series.end(); ++it) {
        if (!scan(*it, from)) return false;
      }
      return true;
    }
    for (uint32_t region : filter.regions) {
      auto it = std::partition_point(
          series.begin(), series.end(),
          [&](const Series& s) { return s.region < region; });
      if (it == series.end()) break;
      if (it->region != region || it->end <= from) continue;
      if (!scan(*it, from)) return false;
    }
    return true;
  };
  if (filter.indicators.empty()) {
    // No indicator named: every published one (derived ones only by name),
    // in id order as the table holds them.
    const uint32_t n = dataset.published_indicator_count();
    for (uint32_t i = 0; i < n && scan_indicator(i); ++i) {
    }
  } else {
    // Named indicators, in id order as compiled.
    for (uint32_t i : filter.indicators) {
      if (!scan_indicator(i)) break;
    }
  }
  return !was_cancelled;
}

bool ObservationStream::NextRuns(size_t max_rows, std::vector<RowRun>* runs) {
  runs->clear();
  if (done_ || max_rows == 0) return false;
  size_t left = max_rows;
  ScanObservationRuns(
      *dataset_, filter_, position_,
      [&](uint32_t begin, uint32_t end, uint64_t resume) {
        const uint32_t take =
            static_cast<uint32_t>(std::min<size_t>(end - begin, left));
        if (!runs->empty() && runs->back().end == begin) {
          runs->back().end = begin + take;
        } else {
          runs->push_back({begin, begin + take});
        }
        left -= take;
        // Inside a run, the row after r resumes at the
        // next place of the scan sequence.
        position_ =
            take == end - begin ? resume : dataset_->ScanPosition(begin) + take;
        return left > 0;
      });
  done_ = left > 0;
  return !runs->empty();
}

bool ObservationStream::Next(size_t max_rows, std::vector<uint32_t>* rows) {
  rows->clear();
  if (!NextRuns(max_rows, &runs_)) return false;
  for (const RowRun& run : runs_) {
    for (uint32_t r = run.begin; r < run.end; ++r) rows->push_back(r);
  }
  return true;
}

}  // namespace indicators
