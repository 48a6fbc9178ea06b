#include "server/core/change/apply_changes.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "server/core/base/status_macros.h"
#include "server/core/dataset/content_version.h"
#include "server/core/load/dataset_loader.h"

namespace indicators {
namespace {

// A figure by the duplicate rule, as indexes of the new version's tables
// (which keep the base's indexes: the catalog does not change).
struct Figure {
  uint32_t indicator;
  uint32_t region;
  int32_t period;
  uint32_t source_set;
  bool operator==(const Figure& o) const {
    return indicator == o.indicator && region == o.region &&
           period == o.period && source_set == o.source_set;
  }
};

Figure FigureOf(const Observation& o) {
  return {o.indicator, o.region, o.period.sort_key(), o.source_set};
}

// The published row of `base` that is `figure`, if any.
std::optional<uint32_t> FindRow(const Dataset& base, const Figure& figure) {
  if (figure.indicator >= base.published_indicator_count()) return std::nullopt;
  absl::Span<const Series> series = base.series_of(figure.indicator);
  auto it = std::lower_bound(
      series.begin(), series.end(), figure.region,
      [](const Series& s, uint32_t region) { return s.region < region; });
  if (it == series.end() || it->region != figure.region) return std::nullopt;
  for (uint32_t row = it->begin; row < it->end; ++row) {
    if (FigureOf(base.observations()[row]) == figure) return row;
  }
  return std::nullopt;
}

// A row of the new version, with its place.
struct PlacedRow {
  Observation row;
  int64_t position;
  int64_t record = -1;  // The change that wrote it; -1 for a base row.
};

// A figure by the texts of a record (valid or not): indicator, region,
// period and the sorted set of sources.
std::string FigureText(const ObservationRecord& r) {
  std::vector<std::string> sources = r.source_ids;
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  return absl::StrCat(r.indicator_id, "\t", r.region_code, "\t", r.period, "\t",
                      absl::StrJoin(sources, ";"));
}

// What the changes made of one figure: its rows (one, or none; more only
// while a transaction's statements pass through a duplicate), and its row in
// the base, if it had one.
struct Touched {
  std::optional<uint32_t> base_row;
  std::vector<PlacedRow> rows;
  // The row at `position`, or else the first; null if there is none.
  PlacedRow* Find(int64_t position) {
    for (PlacedRow& r : rows) {
      if (r.position == position) return &r;
    }
    return rows.empty() ? nullptr : &rows.front();
  }
};

// The base's published catalog and interned texts, with no observations.
DatasetTables CatalogOf(const Dataset& base) {
  DatasetTables t;
  t.indicators.assign(
      base.indicators().begin(),
      base.indicators().begin() + base.published_indicator_count());
  t.regions = base.regions();
  t.sources = base.sources();
  t.source_sets = base.source_sets();
  t.notes = base.notes();
  return t;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Dataset>> DatasetOfChanges(
    const Dataset& catalog, absl::Span<const RecordedRevision> revisions) {
  DatasetTables t = CatalogOf(catalog);
  std::vector<ObservationRecord> records;
  for (const RecordedRevision& revision : revisions) {
    for (const RecordedChange& change : revision.changes) {
      records.push_back(change.record);
    }
  }
  ASSIGN_OR_RETURN(t.observations,
                   ParseObservationRecords(&t, records, "recorded changes"));
  t.positions.resize(t.observations.size());
  for (size_t i = 0; i < t.positions.size(); ++i) t.positions[i] = i;
  return Dataset::Create(std::move(t), "", absl::Now(), catalog.revision());
}

absl::StatusOr<std::shared_ptr<const Dataset>> ApplyRecordedChanges(
    const Dataset& base, absl::Span<const RecordedRevision> revisions) {
  const uint32_t published = base.published_observation_count();
  if (base.positions().size() != published) {
    return absl::FailedPreconditionError(
        "changes apply only to a dataset loaded from a store");
  }
  if (revisions.empty()) {
    return absl::InvalidArgumentError("no revision to apply");
  }
  DatasetTables t = CatalogOf(base);
  std::vector<ObservationRecord> records;
  std::vector<const RecordedChange*> changes;
  for (const RecordedRevision& revision : revisions) {
    for (const RecordedChange& change : revision.changes) {
      records.push_back(change.record);
      changes.push_back(&change);
    }
  }
  const std::string label =
      absl::StrCat("changes of revisions ", revisions.front().revision, " to ",
                   revisions.back().revision);
  // A record that a later one of its figure replaces or withdraws is never
  // served, so only the records that remain must pass the loader's checks.
  std::vector<bool> valid;
  ASSIGN_OR_RETURN(std::vector<Observation> parsed,
                   ParseObservationRecords(&t, records, label, &valid));

  const std::vector<Observation>& rows = base.observations();
  const std::vector<int64_t>& positions = base.positions();
  absl::flat_hash_map<std::string, Touched> touched;
  for (size_t i = 0; i < parsed.size(); ++i) {
    auto [it, first] = touched.try_emplace(FigureText(records[i]));
    Touched& state = it->second;
    if (first && valid[i]) {
      state.base_row = FindRow(base, FigureOf(parsed[i]));
      if (state.base_row) {
        state.rows.push_back(
            {rows[*state.base_row], positions[*state.base_row]});
      }
    }
    const RecordedChange& change = *changes[i];
    const PlacedRow placed{parsed[i], change.position, static_cast<int64_t>(i)};
    if (change.kind == ChangeKind::kAdded) {
      state.rows.push_back(placed);
      continue;
    }
    PlacedRow* current = state.Find(change.position);
    if (current == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(label, ": change ", i + 1, " revises or withdraws ",
                       CsvLine(change.record), ", which is not there"));
    }
    if (change.kind == ChangeKind::kRevised) {
      *current = placed;
    } else {
      state.rows.erase(state.rows.begin() + (current - state.rows.data()));
    }
  }
  std::vector<ObservationRecord> invalid;
  for (const auto& [figure, state] : touched) {
    for (const PlacedRow& r : state.rows) {
      if (r.record >= 0 && !valid[r.record])
        invalid.push_back(records[r.record]);
    }
  }
  if (!invalid.empty()) {
    DatasetTables scratch = CatalogOf(base);
    return ParseObservationRecords(&scratch, invalid, label).status();
  }

  // The base's rows less those of the figures touched, merged with what
  // those figures hold now, in query order (position last, as a load orders
  // rows of one store).
  std::vector<bool> removed(published, false);
  std::vector<PlacedRow> inserted;
  for (auto& [figure, state] : touched) {
    if (state.rows.size() > 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          label, ": ", state.rows.size(), " observations of ",
          absl::StrReplaceAll(figure, {{"\t", " "}}),
          " have the same indicator, region, period and sources (a load "
          "rejects duplicates)"));
    }
    if (state.base_row) removed[*state.base_row] = true;
    for (PlacedRow& r : state.rows) inserted.push_back(r);
  }
  auto before = [&](const QueryOrderKey& ka, int64_t pa,
                    const QueryOrderKey& kb,
                    int64_t pb) { return ka < kb || (ka == kb && pa < pb); };
  std::sort(inserted.begin(), inserted.end(),
            [&](const PlacedRow& a, const PlacedRow& b) {
              return before(QueryOrderKeyOf(t, a.row), a.position,
                            QueryOrderKeyOf(t, b.row), b.position);
            });
  // Each inserted row's place among the base's rows, found by binary search
  // (the base is in that order), so that the rest is copied, not compared.
  t.observations.reserve(published + inserted.size());
  t.positions.reserve(published + inserted.size());
  auto copy_base = [&](uint32_t from, uint32_t to) {
    for (uint32_t row = from; row < to; ++row) {
      if (removed[row]) continue;
      t.observations.push_back(rows[row]);
      t.positions.push_back(positions[row]);
    }
  };
  uint32_t copied = 0;
  for (const PlacedRow& r : inserted) {
    const QueryOrderKey key = QueryOrderKeyOf(t, r.row);
    uint32_t lo = copied, hi = published;
    while (lo < hi) {
      const uint32_t mid = lo + (hi - lo) / 2;
      if (before(QueryOrderKeyOf(t, rows[mid]), positions[mid], key,
                 r.position)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    copy_base(copied, lo);
    copied = lo;
    t.observations.push_back(r.row);
    t.positions.push_back(r.position);
  }
  copy_base(copied, published);
  std::string version = ContentVersion(t);
  return Dataset::Create(std::move(t), std::move(version), absl::Now(),
                         revisions.back().revision, /*sorted=*/true);
}

}  // namespace indicators
