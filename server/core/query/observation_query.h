#ifndef INDICATORS_SERVER_CORE_QUERY_OBSERVATION_QUERY_H_
#define INDICATORS_SERVER_CORE_QUERY_OBSERVATION_QUERY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "server/core/base/unchecked_enum.h"
#include "server/core/dataset/dataset.h"
#include "server/core/dataset/model.h"
#include "server/core/query/page_token.h"

namespace indicators {

// Which observations a caller wants, as the caller spelled it (the fields of
// `indicators.v1.ObservationFilter`), unchecked: `CompileFilter` checks every
// field. Empty lists do not restrict.
struct ObservationFilter {
  std::vector<std::string> indicator_ids;
  std::vector<std::string> region_codes;
  bool include_subregions = false;
  std::string start_period;
  std::string end_period;
  std::vector<std::string> source_ids;
  UncheckedEnum<Reliability> min_reliability = Reliability::kUnspecified;
  std::vector<UncheckedEnum<ObservationStatus>> statuses;
  bool latest_only = false;
  UncheckedEnum<SourceMode> source_mode = SourceMode::kUnspecified;
  std::string known_on;  // YYYY-MM-DD, or empty.
};

// A filter checked and resolved against one dataset version.
struct CompiledFilter {
  std::vector<uint32_t> indicators;  // In id order; empty means all.
  std::vector<uint32_t> regions;     // Sorted; empty means all.
  int32_t first_month = INT32_MIN;   // Inclusive bounds on a period's last
  int32_t last_month = INT32_MAX;    // month (`Period::last_month_index`).
  std::vector<bool> sources;         // By source index; empty means all.
  uint32_t status_mask = ~0u;        // Bit `status` set = allowed.
  Reliability min_reliability = Reliability::kUnspecified;
  bool latest_only = false;
  SourceMode source_mode = SourceMode::kAll;  // Never kUnspecified.
  uint32_t known_on = 0;  // YYYYMMDD: only rows known by then; 0 = all.
};

// Checks `filter` against `dataset`. Returns INVALID_ARGUMENT for a malformed
// or inconsistent field, an enum value outside its range or a list longer than
// `max_ids`, and NOT_FOUND for an unknown id, each naming the field as
// `filter.<name>` (with `[index]` for list elements).
absl::StatusOr<CompiledFilter> CompileFilter(const Dataset& dataset,
                                             const ObservationFilter& filter,
                                             size_t max_ids = SIZE_MAX);

// Returns a canonical text of `filter`: equal for filters that select the same
// observations in any dataset (list order and repeats do not matter).
std::string CanonicalText(const ObservationFilter& filter);

// Calls `emit(row, resume)` for each observation row that matches `filter`,
// in query order (indicators by id, the derived ones among the published),
// starting at place `start` of the scan sequence
// (`Dataset::ScanPosition`); stops early when `emit` returns false. Places
// only increase (rows need not: the table holds derived rows last).
// `resume` is where a later scan must start to continue right after `row`;
// a first scan starts at 0. Before each series
// it asks `cancelled`; if that returns true the scan stops and this returns
// false (true otherwise).
bool ScanObservations(
    const Dataset& dataset, const CompiledFilter& filter, uint64_t start,
    absl::FunctionRef<bool(uint32_t row, uint64_t resume)> emit,
    absl::FunctionRef<bool()> cancelled = [] { return false; });

// Consecutive rows [begin, end) of `Dataset::observations()`.
struct RowRun {
  uint32_t begin;
  uint32_t end;
};

// The same scan, by runs: calls `emit(begin, end, resume)` for runs of
// consecutive matching rows; `resume` continues right after row `end - 1`,
// and inside a run the scan continues after row r at
// `ScanPosition(r) + 1`. Stops when `emit` returns false.
bool ScanObservationRuns(
    const Dataset& dataset, const CompiledFilter& filter, uint64_t start,
    absl::FunctionRef<bool(uint32_t begin, uint32_t end, uint64_t resume)> emit,
    absl::FunctionRef<bool()> cancelled = [] { return false; });

// Reads the matches of one filter in batches, for a streaming export. Holds
// its dataset version alive for as long as it lives.
class ObservationStream {
 public:
  // Streams the matches of `filter` from scan position `start`; resume tokens
  // are `codec` tokens scoped to the dataset version and `request_text`.
  ObservationStream(std::shared_ptr<const Dataset> dataset,
                    CompiledFilter filter, uint64_t start, PageTokenCodec codec,
                    std::string request_text)
      : dataset_(std::move(dataset)),
        filter_(std::move(filter)),
        codec_(std::move(codec)),
        request_text_(std::move(request_text)),
        position_(start) {}

  // Replaces `rows` with up to `max_rows` next matching rows; returns false
  // when none are left (then `rows` is empty).
  bool Next(size_t max_rows, std::vector<uint32_t>* rows);
  // The same as runs of consecutive rows (a whole series is one run when
  // the filter keeps every row of it), `max_rows` rows in all at most.
  bool NextRuns(size_t max_rows, std::vector<RowRun>* runs);

  // Returns a token that continues right after the rows returned so far.
  std::string ResumeToken() const {
    return codec_.Encode({dataset_->version(), request_text_}, position_);
  }

  const Dataset& dataset() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  CompiledFilter filter_;
  PageTokenCodec codec_;
  std::string request_text_;
  uint64_t position_ = 0;
  bool done_ = false;
  std::vector<RowRun> runs_;  // Scratch for `Next`.
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_QUERY_OBSERVATION_QUERY_H_
