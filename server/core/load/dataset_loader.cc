#include "server/core/load/dataset_loader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/core/base/utf8.h"
#include "server/core/dataset/content_version.h"
#include "server/core/load/csv_records.h"

namespace indicators {
namespace {

constexpr size_t kMaxReportedErrors = 20;

// Collects row errors so that one load reports many of them at once.
// The problems found so far; the status lists the first few.
class ErrorList {
 public:
  void Add(DatasetProblem problem) {
    ++count_;
    if (problems_.size() < kMaxKeptProblems) {
      problems_.push_back(std::move(problem));
    }
  }
  bool empty() const { return count_ == 0; }
  const std::vector<DatasetProblem>& problems() const { return problems_; }
  absl::Status ToStatus(const std::string& dir) const {
    std::vector<std::string> lines;
    for (size_t i = 0; i < problems_.size() && i < kMaxReportedErrors; ++i) {
      const DatasetProblem& p = problems_[i];
      lines.push_back(p.column.empty()
                          ? absl::StrCat(p.file, ":", p.line, ": ", p.reason)
                          : absl::StrCat(p.file, ":", p.line, ": column ",
                                         p.column_number, " (", p.column,
                                         "): ", p.reason));
    }
    std::string text = absl::StrCat("dataset ", dir, " is invalid (", count_,
                                    count_ == 1 ? " error" : " errors",
                                    "):\n  ", absl::StrJoin(lines, "\n  "));
    if (count_ > lines.size()) {
      absl::StrAppend(&text, "\n  ... and ", count_ - lines.size(), " more");
    }
    return absl::InvalidArgumentError(text);
  }

 private:
  static constexpr size_t kMaxKeptProblems = 1000;
  size_t count_ = 0;
  std::vector<DatasetProblem> problems_;
};

// The record being checked: where it is and how to name its columns.
struct RowContext {
  const std::string* file;
  const std::vector<std::string>* header;
  int line;
  ErrorList* errors;

  void Error(size_t column, absl::string_view reason) const {
    errors->Add({*file, line, (*header)[column], static_cast<int>(column) + 1,
                 std::string(reason)});
  }
};

bool IsValidId(absl::string_view id) {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
                  c == '_' || c == '-' || c == '.';
         });
}

// Checks that a column holds an id; reports and returns false otherwise.
bool CheckId(const RowContext& row, size_t column, absl::string_view id) {
  if (IsValidId(id)) return true;
  row.Error(column, id.empty() ? "is empty"
                               : absl::StrCat(Quoted(id),
                                              " is not an id (letters, "
                                              "digits, '_', '-', '.')"));
  return false;
}

template <typename T, typename Parse>
std::optional<T> CheckEnum(const RowContext& row, size_t column,
                           absl::string_view text, Parse parse,
                           absl::string_view allowed) {
  std::optional<T> value = parse(text);
  if (!value) {
    row.Error(column, absl::StrCat(Quoted(text), " is not one of ", allowed));
  }
  return value;
}

// Parses a plain decimal (`-12`, `480.26`): no exponent, sign only '-'.
std::optional<double> ParseDecimal(absl::string_view text) {
  const bool negative = !text.empty() && text[0] == '-';
  size_t i = negative ? 1 : 0;
  size_t digits = 0, dots = 0, fraction = 0;
  uint64_t mantissa = 0;
  for (size_t j = i; j < text.size(); ++j) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(text[j]))) {
      ++digits;
      fraction += dots;
      mantissa = mantissa * 10 + static_cast<uint64_t>(text[j] - '0');
    } else if (text[j] == '.' && j > i && j + 1 < text.size()) {
      ++dots;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0 || dots > 1) return std::nullopt;
  // Up to 15 digits, the mantissa and the power of ten are exact doubles, so
  // one division rounds correctly (Clinger's fast path): what from_chars
  // returns, without its general algorithm.
  if (digits <= 15) {
    static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3, 1e4,  1e5,
                                        1e6,  1e7,  1e8,  1e9, 1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15};
    const double value = static_cast<double>(mantissa) / kPow10[fraction];
    return negative ? -value : value;
  }
  double value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (or empty) into a publication date.
std::optional<PublicationDate> ParseDate(absl::string_view text) {
  PublicationDate date{std::string(text), 0};
  if (text.empty()) return date;
  const std::vector<absl::string_view> parts = absl::StrSplit(text, '-');
  const int widths[] = {4, 2, 2};
  const int limits[][2] = {{1000, 9999}, {1, 12}, {1, 31}};
  if (parts.size() > 3) return std::nullopt;
  int key[3] = {0, 0, 0};
  for (size_t i = 0; i < parts.size(); ++i) {
    int v = 0;
    if (static_cast<int>(parts[i].size()) != widths[i] ||
        !std::all_of(parts[i].begin(), parts[i].end(),
                     [](char c) { return absl::ascii_isdigit(c); }) ||
        !absl::SimpleAtoi(parts[i], &v) || v < limits[i][0] ||
        v > limits[i][1]) {
      return std::nullopt;
    }
    key[i] = v;
  }
  date.sort_key = key[0] * 10000 + key[1] * 100 + key[2];
  return date;
}

// Reports each field of `fields` that is not valid UTF-8 at `row`; returns
// whether all are.
bool CheckUtf8(const RowContext& row,
               const std::vector<absl::string_view>& fields) {
  bool valid = true;
  for (size_t i = 0; i < fields.size(); ++i) {
    const size_t bad = FirstInvalidUtf8(fields[i]);
    if (bad == fields[i].size()) continue;
    row.Error(i, absl::StrFormat("is not valid UTF-8 (byte 0x%02X at byte "
                                 "%d of the field)",
                                 static_cast<unsigned char>(fields[i][bad]),
                                 bad + 1));
    valid = false;
  }
  return valid;
}

// Reads the CSV records of one file after checking its header, calling
// `on_row(row, fields)` for each record that has the header's column count.
template <typename OnRow>
absl::Status ForEachRecord(const std::string& file, CsvRecords& reader,
                           const std::vector<std::string>& header,
                           ErrorList* errors, OnRow on_row) {
  std::vector<absl::string_view> fields;
  ASSIGN_OR_RETURN(bool has_header, reader.Next(&fields));
  const std::string expected = absl::StrJoin(header, ",");
  if (!has_header || absl::StrJoin(fields, ",") != expected) {
    errors->Add(
        {file, 1, "", 0, absl::StrCat("header must be \"", expected, "\"")});
    return absl::OkStatus();
  }
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&fields));
    if (!more) return absl::OkStatus();
    RowContext row{&file, &header, reader.line(), errors};
    if (fields.size() == 1 && fields[0].empty()) continue;  // Blank line.
    if (fields.size() != header.size()) {
      errors->Add({file, reader.line(), "", 0,
                   absl::StrCat("has ", fields.size(), " columns; expected ",
                                header.size())});
      continue;
    }
    // Text is served as protobuf strings, which must be UTF-8: a row with
    // any other bytes would make every response that holds it undecodable.
    // Fields of valid text are valid (they are cut at ASCII bytes), so only
    // text with a bad byte is checked field by field.
    if (!reader.utf8() && !CheckUtf8(row, fields)) continue;
    on_row(row, fields);
  }
}

// Sorts `items` by their member `id`.
template <typename T>
void SortById(std::vector<T>* items, std::string T::*id) {
  std::sort(items->begin(), items->end(),
            [&](const T& a, const T& b) { return a.*id < b.*id; });
}

// Reports `id` at `column` of `row` if `index` lacks it (`table` names the
// file that should define it).
std::optional<uint32_t> Lookup(
    const absl::flat_hash_map<absl::string_view, uint32_t>& index,
    const RowContext& row, size_t column, absl::string_view id,
    absl::string_view table) {
  auto it = index.find(id);
  if (it != index.end()) return it->second;
  row.Error(column, absl::StrCat(Quoted(id), " is not defined in ", table));
  return std::nullopt;
}

// Reads the rows of observations.csv against the complete catalog tables of
// `tables`, whose notes and source sets it fills. Files are usually grouped
// by indicator, region and period, and most rows repeat a few source lists:
// a row that repeats the previous row's text (or a known source list) reuses
// what it resolved to, which is most of the loader's speed.
class ObservationRowParser {
 public:
  explicit ObservationRowParser(DatasetTables* tables)
      : tables_(*tables),
        indicators_(IndexById(tables_.indicators, &Indicator::id)),
        regions_(IndexById(tables_.regions, &Region::code)),
        sources_(IndexById(tables_.sources, &Source::id)) {
    // A load starts with no notes; rows parsed into a loaded version's
    // tables (`ParseObservationRecords`) reuse its notes.
    if (tables_.notes.empty()) tables_.notes.assign(1, "");
    for (uint32_t i = 0; i < tables_.notes.size(); ++i) {
      note_index_.emplace(tables_.notes[i], i);
    }
  }

  // Returns the observation of `f`, or nullopt after reporting each of its
  // problems at `row`.
  std::optional<Observation> Parse(const RowContext& row,
                                   const std::vector<absl::string_view>& f) {
    Observation o;
    // Every field is checked, so that a row reports all of its problems.
    bool ok = ResolveFigure(row, f, &o);
    ok &= ParseValue(row, f, &o);
    ok &= ResolveSources(row, f[6], &o);
    if (!ok) return std::nullopt;
    if (!f[7].empty()) o.note = NoteIndex(f[7]);  // Most rows have none: 0.
    return o;
  }

 private:
  // The text a column had on the previous row and what it resolved to.
  struct Last {
    std::string text;
    uint32_t index = 0;
    bool valid = false;
    std::optional<uint32_t> Find(absl::string_view id) const {
      if (valid && id == text) return index;
      return std::nullopt;
    }
    void Set(absl::string_view id, uint32_t i) {
      text.assign(id.data(), id.size());
      index = i;
      valid = true;
    }
  };
  struct SourceCell {
    uint32_t set;
    Reliability reliability;
  };

  std::optional<uint32_t> Cached(
      Last* last, const absl::flat_hash_map<absl::string_view, uint32_t>& index,
      const RowContext& row, size_t column, absl::string_view id,
      absl::string_view table) {
    if (auto i = last->Find(id)) return i;
    auto found = Lookup(index, row, column, id, table);
    if (found) last->Set(id, *found);
    return found;
  }

  // The indicator, region and period.
  bool ResolveFigure(const RowContext& row,
                     const std::vector<absl::string_view>& f, Observation* o) {
    auto ind =
        Cached(&last_indicator_, indicators_, row, 0, f[0], "indicators.csv");
    auto reg = Cached(&last_region_, regions_, row, 1, f[1], "regions.csv");
    bool ok = ind.has_value() && reg.has_value();
    if (ind) o->indicator = *ind;
    if (reg) o->region = *reg;
    if (last_period_ && f[2] == last_period_text_) {
      o->period = *last_period_;
    } else if (auto p = Period::Parse(f[2]); p.ok()) {
      o->period = *p;
      last_period_ = *p;
      last_period_text_.assign(f[2].data(), f[2].size());
    } else {
      row.Error(2, p.status().message());
      ok = false;
    }
    return ok;
  }

  // The value, qualifier and status.
  static bool ParseValue(const RowContext& row,
                         const std::vector<absl::string_view>& f,
                         Observation* o) {
    bool ok = true;
    if (auto v = ParseDecimal(f[3])) {
      o->value = *v;
    } else {
      row.Error(3, absl::StrCat(Quoted(f[3]),
                                " is not a plain decimal number "
                                "(such as 480.26)"));
      ok = false;
    }
    auto q = CheckEnum<Qualifier>(row, 4, f[4], ParseQualifier,
                                  "exact, about, over, under, nearly");
    auto st = CheckEnum<ObservationStatus>(row, 5, f[5], ParseStatus,
                                           "final, preliminary, estimate");
    ok &= q.has_value() && st.has_value();
    if (q) o->qualifier = *q;
    if (st) o->status = *st;
    return ok;
  }

  // The source set of the cell `cell` and the row's best reliability grade;
  // a known cell's text finds them without splitting it again.
  bool ResolveSources(const RowContext& row, absl::string_view cell,
                      Observation* o) {
    if (auto known = source_cells_.find(cell); known != source_cells_.end()) {
      o->source_set = known->second.set;
      o->reliability = known->second.reliability;
      return true;
    }
    if (cell.empty()) {
      row.Error(6, "is empty; every observation needs a source");
      return false;
    }
    bool ok = true;
    refs_.clear();
    for (absl::string_view id : absl::StrSplit(cell, ';')) {
      auto s = Lookup(sources_, row, 6, id, "sources.csv");
      if (!s) {
        ok = false;
        continue;
      }
      if (std::find(refs_.begin(), refs_.end(), *s) != refs_.end()) {
        row.Error(6, absl::StrCat(Quoted(id), " is listed twice"));
        ok = false;
      }
      refs_.push_back(*s);
    }
    if (!ok) return false;
    std::sort(refs_.begin(), refs_.end());
    o->source_set = tables_.source_sets.Intern(refs_);
    for (uint32_t s : refs_) {
      o->reliability = std::max(o->reliability, tables_.sources[s].reliability);
    }
    source_cells_.emplace(cell, SourceCell{o->source_set, o->reliability});
    return true;
  }

  // The index of note `text` in the pooled notes, added if new.
  uint32_t NoteIndex(absl::string_view text) {
    auto note = note_index_.find(text);
    if (note == note_index_.end()) {
      note =
          note_index_.emplace(text, static_cast<uint32_t>(tables_.notes.size()))
              .first;
      tables_.notes.emplace_back(text);
    }
    return note->second;
  }

  DatasetTables& tables_;
  const absl::flat_hash_map<absl::string_view, uint32_t> indicators_;
  const absl::flat_hash_map<absl::string_view, uint32_t> regions_;
  const absl::flat_hash_map<absl::string_view, uint32_t> sources_;
  Last last_indicator_, last_region_;
  std::string last_period_text_;
  std::optional<Period> last_period_;
  absl::flat_hash_map<std::string, SourceCell> source_cells_;
  absl::flat_hash_map<std::string, uint32_t> note_index_;
  std::vector<uint32_t> refs_;
};

// Parses the four files into tables, or returns every problem found.
class TableParser {
 public:
  // `positions`, if not empty, has one entry per observation record, in
  // file order: the rows' places in their store.
  TableParser(const std::string& dir,
              std::array<std::unique_ptr<CsvRecords>, 4> tables,
              std::vector<int64_t> positions)
      : dir_(dir),
        tables_in_(std::move(tables)),
        positions_(std::move(positions)) {}

  // The problems found by `Parse`.
  const std::vector<DatasetProblem>& problems() const {
    return errors_.problems();
  }

  absl::StatusOr<DatasetTables> Parse() {
    RETURN_IF_ERROR(ParseIndicators());
    RETURN_IF_ERROR(ParseRegions());
    RETURN_IF_ERROR(ParseSources());
    // Observations refer to the tables above by index, so those must be
    // complete and sorted first.
    if (!errors_.empty()) return errors_.ToStatus(dir_);
    if (tables_.indicators.size() > kMaxIndicators ||
        tables_.regions.size() > kMaxRegions) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dataset ", dir_, " is too large: at most ", kMaxIndicators,
          " indicators and ", kMaxRegions, " regions"));
    }
    RETURN_IF_ERROR(ParseObservations());
    if (!errors_.empty()) return errors_.ToStatus(dir_);
    if (!positions_.empty()) {
      // Without errors, every record is one observation.
      if (positions_.size() != tables_.observations.size()) {
        return absl::InternalError(
            absl::StrCat(dir_, ": ", positions_.size(), " positions for ",
                         tables_.observations.size(), " observations"));
      }
      tables_.positions = std::move(positions_);
    }
    SortIntoQueryOrder(&tables_, &lines_);
    CheckDuplicates();
    if (!errors_.empty()) return errors_.ToStatus(dir_);
    return std::move(tables_);
  }

 private:
  // Records `id` of `kind` at `row` and reports a duplicate.
  void CheckUnique(absl::flat_hash_map<std::string, int>* seen,
                   const RowContext& row, absl::string_view id) {
    auto [it, inserted] = seen->emplace(id, row.line);
    if (!inserted) {
      row.Error(0, absl::StrCat(Quoted(id), " is already defined on line ",
                                it->second));
    }
  }

  absl::Status ParseIndicators() {
    const std::string file = "indicators.csv";
    const std::vector<std::string> header =
        absl::StrSplit(kDatasetHeaders[0], ',');
    absl::flat_hash_map<std::string, int> seen;
    RETURN_IF_ERROR(ForEachRecord(
        file, *tables_in_[0], header, &errors_,
        [&](const RowContext& row, const std::vector<absl::string_view>& f) {
          Indicator ind;
          if (CheckId(row, 0, f[0])) CheckUnique(&seen, row, f[0]);
          ind.id = std::string(f[0]);
          if (f[1].empty()) row.Error(1, "is empty");
          ind.name = std::string(f[1]);
          if (f[2].empty()) row.Error(2, "is empty");
          ind.unit = std::string(f[2]);
          if (!absl::SimpleAtoi(f[3], &ind.unit_multiplier) ||
              ind.unit_multiplier < -30 || ind.unit_multiplier > 30) {
            row.Error(3, absl::StrCat(Quoted(f[3]),
                                      " is not an integer from -30 to 30"));
          }
          ind.description = std::string(f[4]);
          if (auto a = CheckEnum<Aggregation>(row, 5, f[5], ParseAggregation,
                                              "sum, none")) {
            ind.aggregation = *a;
          }
          tables_.indicators.push_back(std::move(ind));
        }));
    SortById(&tables_.indicators, &Indicator::id);
    return absl::OkStatus();
  }

  absl::Status ParseRegions() {
    const std::string file = "regions.csv";
    const std::vector<std::string> header =
        absl::StrSplit(kDatasetHeaders[1], ',');
    absl::flat_hash_map<std::string, int> seen;
    std::vector<std::pair<int, std::string>> parents;  // (line, code)
    RETURN_IF_ERROR(ForEachRecord(
        file, *tables_in_[1], header, &errors_,
        [&](const RowContext& row, const std::vector<absl::string_view>& f) {
          Region region;
          if (CheckId(row, 0, f[0])) CheckUnique(&seen, row, f[0]);
          region.code = std::string(f[0]);
          if (f[1].empty()) row.Error(1, "is empty");
          region.name = std::string(f[1]);
          if (auto t = CheckEnum<RegionType>(
                  row, 2, f[2], ParseRegionType,
                  "country, province, autonomous_region, municipality, "
                  "special_administrative_region, aggregate")) {
            region.type = *t;
          }
          if (!f[3].empty() && CheckId(row, 3, f[3])) {
            if (f[3] == f[0]) row.Error(3, "is the region itself");
          }
          region.parent_code = std::string(f[3]);
          parents.emplace_back(row.line, region.code);
          tables_.regions.push_back(std::move(region));
        }));
    // Parents must exist and must not form a cycle.
    absl::flat_hash_map<std::string, std::string> parent_of;
    for (const Region& r : tables_.regions) parent_of[r.code] = r.parent_code;
    const std::vector<std::string> names = header;
    for (size_t i = 0; i < tables_.regions.size(); ++i) {
      const Region& r = tables_.regions[i];
      RowContext row{&file, &names, parents[i].first, &errors_};
      if (r.parent_code.empty() || r.parent_code == r.code) continue;
      if (!parent_of.contains(r.parent_code)) {
        row.Error(3, absl::StrCat(Quoted(r.parent_code),
                                  " is not a region_code in regions.csv"));
        continue;
      }
      std::string code = r.parent_code;
      for (size_t hops = 0; !code.empty(); ++hops) {
        if (code == r.code || hops > tables_.regions.size()) {
          row.Error(3, "makes a cycle of parents");
          break;
        }
        auto it = parent_of.find(code);
        code = it == parent_of.end() ? "" : it->second;
      }
    }
    SortById(&tables_.regions, &Region::code);
    return absl::OkStatus();
  }

  absl::Status ParseSources() {
    const std::string file = "sources.csv";
    const std::vector<std::string> header =
        absl::StrSplit(kDatasetHeaders[2], ',');
    absl::flat_hash_map<std::string, int> seen;
    RETURN_IF_ERROR(ForEachRecord(
        file, *tables_in_[2], header, &errors_,
        [&](const RowContext& row, const std::vector<absl::string_view>& f) {
          Source s;
          if (CheckId(row, 0, f[0])) CheckUnique(&seen, row, f[0]);
          s.id = std::string(f[0]);
          if (f[1].empty()) row.Error(1, "is empty");
          s.publisher = std::string(f[1]);
          s.title = std::string(f[2]);
          if (auto date = ParseDate(f[3])) {
            s.published = *std::move(date);
          } else {
            row.Error(3, absl::StrCat(Quoted(f[3]),
                                      " is not a date (YYYY, YYYY-MM or "
                                      "YYYY-MM-DD, or empty)"));
          }
          s.url = std::string(f[4]);
          if (auto r = CheckEnum<Reliability>(
                  row, 5, f[5], ParseReliability,
                  "official, official_mirror, aggregator, news, unverified")) {
            s.reliability = *r;
          }
          s.note = std::string(f[6]);
          tables_.sources.push_back(std::move(s));
        }));
    SortById(&tables_.sources, &Source::id);
    return absl::OkStatus();
  }

  absl::Status ParseObservations() {
    const std::string file = "observations.csv";
    const std::vector<std::string> header =
        absl::StrSplit(kDatasetHeaders[3], ',');
    // Sized once: growing by doubling would hold the old and the new array
    // at once, the load's largest transient.
    const size_t max_rows = tables_in_[3]->MaxRecords();
    tables_.observations.reserve(max_rows);
    lines_.reserve(max_rows);
    ObservationRowParser rows(&tables_);
    return ForEachRecord(
        file, *tables_in_[3], header, &errors_,
        [&](const RowContext& row, const std::vector<absl::string_view>& f) {
          if (std::optional<Observation> o = rows.Parse(row, f)) {
            tables_.observations.push_back(*o);
            lines_.push_back(static_cast<uint32_t>(row.line));
          }
        });
  }

  // Reports rows that repeat another's indicator, region, period and sources
  // (one source states one figure once). Rows must be in query order, where
  // such rows share one (indicator, region, period) run.
  void CheckDuplicates() {
    const std::vector<Observation>& rows = tables_.observations;
    const std::string file = "observations.csv";
    const std::vector<std::string> header = {"indicator_id"};
    // Equal sets have one index (`SourceSets::Intern`).
    auto same_sources = [](const Observation& a, const Observation& b) {
      return a.source_set == b.source_set;
    };
    for (size_t begin = 0; begin < rows.size();) {
      size_t end = begin + 1;
      while (end < rows.size() &&
             rows[end].indicator == rows[begin].indicator &&
             rows[end].region == rows[begin].region &&
             rows[end].period == rows[begin].period) {
        ++end;
      }
      for (size_t i = begin; i < end; ++i) {
        for (size_t j = begin; j < i; ++j) {
          if (!same_sources(rows[i], rows[j])) continue;
          const uint32_t first = std::min(lines_[i], lines_[j]);
          const uint32_t second = std::max(lines_[i], lines_[j]);
          RowContext row{&file, &header, static_cast<int>(second), &errors_};
          row.Error(0, absl::StrCat("duplicates line ", first,
                                    " (same indicator, region, period and "
                                    "sources)"));
          break;
        }
      }
      begin = end;
    }
  }

  const std::string& dir_;
  std::array<std::unique_ptr<CsvRecords>, 4> tables_in_;
  ErrorList errors_;
  DatasetTables tables_;
  std::vector<uint32_t> lines_;  // File line of each observation row.
  std::vector<int64_t> positions_;
};

// Parses and checks the four tables' records into one dataset version.
absl::StatusOr<std::shared_ptr<const Dataset>> LoadTables(
    const std::string& label, std::array<std::unique_ptr<CsvRecords>, 4> tables,
    int64_t revision, std::vector<int64_t> positions = {}) {
  TableParser parser(label, std::move(tables), std::move(positions));
  ASSIGN_OR_RETURN(DatasetTables parsed, parser.Parse());
  std::string version = ContentVersion(parsed);
  return Dataset::Create(std::move(parsed), std::move(version), absl::Now(),
                         revision);
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Dataset>> LoadDataset(
    const std::string& dir) {
  // Each file is read a chunk at a time as it is parsed: memory holds the
  // tables and one chunk, never a file's whole text.
  std::array<std::unique_ptr<CsvRecords>, 4> tables;
  for (size_t i = 0; i < 4; ++i) {
    ASSIGN_OR_RETURN(tables[i], FileCsvRecords::Open(
                                    absl::StrCat(dir, "/", kDatasetFiles[i]),
                                    kDatasetFiles[i]));
  }
  return LoadTables(dir, std::move(tables), /*revision=*/0);
}

std::vector<DatasetProblem> FindDatasetProblems(const std::string (&texts)[4]) {
  std::array<std::unique_ptr<CsvRecords>, 4> tables;
  for (size_t i = 0; i < 4; ++i) {
    tables[i] = std::make_unique<TextCsvRecords>(kDatasetFiles[i], texts[i]);
  }
  const std::string label = "texts";
  TableParser parser(label, std::move(tables), {});
  absl::StatusOr<DatasetTables> parsed = parser.Parse();
  std::vector<DatasetProblem> problems = parser.problems();
  if (!parsed.ok() && problems.empty()) {
    problems.push_back({"", 0, "", 0, std::string(parsed.status().message())});
  }
  return problems;
}

absl::StatusOr<std::shared_ptr<const Dataset>> LoadDatasetFromTexts(
    const std::string& label, const std::string (&texts)[4], int64_t revision,
    std::vector<int64_t> positions) {
  std::array<std::unique_ptr<CsvRecords>, 4> tables;
  for (size_t i = 0; i < 4; ++i) {
    tables[i] = std::make_unique<TextCsvRecords>(kDatasetFiles[i], texts[i]);
  }
  return LoadTables(label, std::move(tables), revision, std::move(positions));
}

absl::StatusOr<std::vector<Observation>> ParseObservationRecords(
    DatasetTables* tables, absl::Span<const ObservationRecord> records,
    const std::string& label, std::vector<bool>* valid_records) {
  const std::vector<std::string> header =
      absl::StrSplit(kDatasetHeaders[3], ',');
  ErrorList errors;
  ObservationRowParser parser(tables);
  std::vector<Observation> out;
  out.reserve(records.size());
  std::vector<absl::string_view> f(8);
  std::string sources;
  for (size_t i = 0; i < records.size(); ++i) {
    const ObservationRecord& r = records[i];
    sources = absl::StrJoin(r.source_ids, ";");
    f = {r.indicator_id, r.region_code, r.period, r.value,
         r.qualifier,    r.status,      sources,  r.note};
    RowContext row{&label, &header, static_cast<int>(i + 1), &errors};
    std::optional<Observation> o;
    if (CheckUtf8(row, f)) o = parser.Parse(row, f);
    if (valid_records != nullptr) valid_records->push_back(o.has_value());
    if (o || valid_records != nullptr) out.push_back(o.value_or(Observation()));
  }
  if (!errors.empty() && valid_records == nullptr) {
    return errors.ToStatus(label);
  }
  return out;
}

}  // namespace indicators
