#include "server/core/change/ingest_batch.h"

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "server/core/base/csv_writer.h"
#include "server/core/base/errors.h"
#include "server/core/base/sha256.h"
#include "server/core/dataset/period.h"
#include "server/core/load/dataset_loader.h"

namespace indicators {
namespace {

// Returns the batch field a column of a dataset file is read from.
std::string FieldOf(absl::string_view file, absl::string_view column) {
  if (file == "sources.csv" && column == "source_id") return "id";
  return std::string(column);
}

// Returns the problems the loader finds in the batch as a dataset: the stored
// catalog with the batch's sources (those marked ok; a copy of a stored one
// left out), and with `sources_only` no observations, else the batch's
// observations as the observations file. Each problem is named by the batch
// field it is in; a source with a problem is marked in `source_ok`.
absl::StatusOr<std::vector<FieldViolation>> BatchProblems(
    const std::string (&catalog)[3], const IngestBatch& batch,
    std::vector<bool>* source_ok, bool sources_only) {
  std::string texts[4] = {catalog[0], catalog[1], catalog[2],
                          std::string(kDatasetHeaders[3]) + "\n"};
  // Lines of sources.csv before the batch's: the header and the catalog's.
  int stored_source_lines = 0;
  for (char c : catalog[2]) stored_source_lines += c == '\n';
  if (!texts[2].empty() && texts[2].back() != '\n') {
    texts[2].push_back('\n');
    ++stored_source_lines;
  }
  // A source stored with the same content is left out (nothing to add); any
  // other with a stored id is the loader's duplicate.
  const absl::flat_hash_set<absl::string_view> stored_records =
      absl::StrSplit(catalog[2], '\n');
  std::vector<size_t> appended_sources;  // Batch index of each line added.
  for (size_t i = 0; i < batch.sources.size(); ++i) {
    const std::string line = CsvLine(batch.sources[i]);
    if (!(*source_ok)[i] || stored_records.contains(line)) continue;
    absl::StrAppend(&texts[2], line, "\n");
    appended_sources.push_back(i);
  }
  if (!sources_only) {
    for (const ObservationRecord& observation : batch.observations) {
      AppendCsvRecord(observation, &texts[3]);
    }
  }
  std::vector<FieldViolation> out;
  for (const DatasetProblem& problem : FindDatasetProblems(texts)) {
    std::string field;
    const int source_line = problem.line - stored_source_lines - 1;
    if (problem.file == "observations.csv" && problem.line >= 2) {
      field = absl::StrCat("observations[", problem.line - 2, "]");
    } else if (problem.file == "sources.csv" && source_line >= 0 &&
               source_line < static_cast<int>(appended_sources.size())) {
      field = absl::StrCat("sources[", appended_sources[source_line], "]");
      (*source_ok)[appended_sources[source_line]] = false;
    } else {
      // A problem of the stored catalog itself: not the caller's to fix,
      // but the batch cannot be checked against it either.
      return absl::FailedPreconditionError(
          absl::StrCat("the stored dataset does not load: ", problem.file, ":",
                       problem.line, ": ", problem.reason));
    }
    if (!problem.column.empty()) {
      absl::StrAppend(&field, ".", FieldOf(problem.file, problem.column));
    }
    out.push_back({field, problem.reason});
  }
  return out;
}

}  // namespace

absl::Status CheckIngestBatch(const std::string (&catalog)[3],
                              const IngestBatch& batch) {
  std::vector<FieldViolation> violations;
  const size_t items = batch.observations.size() + batch.withdrawals.size() +
                       batch.sources.size();
  if (items == 0) {
    violations.push_back({"observations", "the batch is empty"});
  } else if (items > kMaxBatchItems) {
    violations.push_back(
        {"observations", absl::StrCat("the batch has ", items,
                                      " items; at most ", kMaxBatchItems)});
  }
  if (batch.idempotency_key.size() > kMaxIdempotencyKeyBytes) {
    violations.push_back(
        {"idempotency_key",
         absl::StrCat("is longer than ", kMaxIdempotencyKeyBytes, " bytes")});
  }
  for (size_t i = 0; i < batch.withdrawals.size(); ++i) {
    const ObservationKey& key = batch.withdrawals[i];
    const std::string at = absl::StrCat("withdrawals[", i, "].");
    if (absl::Status p = Period::Parse(key.period).status(); !p.ok()) {
      violations.push_back({at + "period", std::string(p.message())});
    }
    if (key.source_ids.empty()) {
      violations.push_back({at + "source_ids", "is empty"});
    }
  }
  // The file joins a row's source ids by ';', so no id may hold one.
  for (size_t i = 0; i < batch.observations.size(); ++i) {
    const std::vector<std::string>& ids = batch.observations[i].source_ids;
    for (size_t j = 0; j < ids.size(); ++j) {
      if (absl::StrContains(ids[j], ';')) {
        violations.push_back(
            {absl::StrCat("observations[", i, "].source_ids[", j, "]"),
             "must not hold ';'"});
      }
    }
  }
  if (!violations.empty()) {
    return InvalidFields(reason::kInvalidBatch, violations);
  }

  // First the sources (the loader checks observations only against valid
  // tables), then the observations against the catalog and the valid ones.
  std::vector<bool> source_ok(batch.sources.size(), true);
  for (bool sources_pass : {true, false}) {
    absl::StatusOr<std::vector<FieldViolation>> found =
        BatchProblems(catalog, batch, &source_ok, sources_pass);
    if (!found.ok()) return found.status();
    for (FieldViolation& v : *found) violations.push_back(std::move(v));
  }
  return InvalidFields(reason::kInvalidBatch, violations);
}

std::string IngestBatchDigest(const IngestBatch& batch) {
  std::string text;
  for (const ObservationRecord& observation : batch.observations) {
    AppendCsvRecord(observation, &text);
  }
  text += "\x1e";
  for (const ObservationKey& key : batch.withdrawals) {
    const std::string sources = absl::StrJoin(key.source_ids, ";");
    AppendCsvRecord(
        std::vector<absl::string_view>{key.indicator_id, key.region_code,
                                       key.period, sources},
        &text);
  }
  text += "\x1e";
  for (const SourceRecord& source : batch.sources) {
    AppendCsvRecord(source, &text);
  }
  return Sha256Hex(text);
}

}  // namespace indicators
