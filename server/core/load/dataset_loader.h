#ifndef INDICATORS_SERVER_CORE_LOAD_DATASET_LOADER_H_
#define INDICATORS_SERVER_CORE_LOAD_DATASET_LOADER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/core/dataset/dataset.h"
#include "server/core/dataset/records.h"

namespace indicators {

// The files of a dataset directory, in the order they are hashed.
inline constexpr const char* kDatasetFiles[] = {
    "indicators.csv", "regions.csv", "sources.csv", "observations.csv"};

// The header line of each file, in `kDatasetFiles` order.
inline constexpr const char* kDatasetHeaders[] = {
    "indicator_id,name,unit,unit_multiplier,description,aggregation",
    "region_code,name,type,parent_code",
    "source_id,publisher,title,published,url,reliability,note",
    "indicator_id,region_code,period,value,qualifier,status,source_ids,note"};

// Loads and checks the dataset in directory `dir` (the format is described in
// README.md). Every row is checked: column count, ids, references, numbers,
// periods, dates, enum values and duplicates. On any error nothing is returned
// but INVALID_ARGUMENT listing the first errors as `file:line: column N
// (name): reason`; NOT_FOUND if a file is missing. The version is
// `ContentVersion` of what is served, so the same content gives the same
// version however the CSV spells it and whichever store it came from.
absl::StatusOr<std::shared_ptr<const Dataset>> LoadDataset(
    const std::string& dir);

// One problem found in a dataset: where it is and why.
struct DatasetProblem {
  std::string file;       // "observations.csv"; empty if not of one file.
  int line = 0;           // 1 is the header.
  std::string column;     // The column's name; empty if not of one column.
  int column_number = 0;  // 1-based; 0 if not of one column.
  std::string reason;     // "is not one of exact, about, over, under, nearly"
};

// Checks the four files' contents (in `kDatasetFiles` order) by every rule of
// `LoadDataset` and returns the problems found (the first 1000), none if they
// make a valid dataset.
std::vector<DatasetProblem> FindDatasetProblems(const std::string (&texts)[4]);

// Same as `LoadDataset`, from the four files' contents already in memory (in
// `kDatasetFiles` order); `label` names the dataset in error messages and
// `revision` is the store's change counter the texts were read at.
// `positions`, if not empty, gives each observation record's place in its
// store (one per record, in order), kept in `DatasetTables::positions`.
absl::StatusOr<std::shared_ptr<const Dataset>> LoadDatasetFromTexts(
    const std::string& label, const std::string (&texts)[4],
    int64_t revision = 0, std::vector<int64_t> positions = {});

// Checks `records` by the rules of observations.csv against the catalog of
// `tables` (sorted by id, as a load leaves them) and returns them as rows of
// those tables, adding their notes and source sets to `tables`; or
// INVALID_ARGUMENT listing the problems as `label:N: column ...` (N counts
// the records from 1). Duplicates are not checked. With `valid_records`,
// invalid records do not fail the call: each record gets a row (a default one
// if invalid) and an entry there saying whether it is valid.
absl::StatusOr<std::vector<Observation>> ParseObservationRecords(
    DatasetTables* tables, absl::Span<const ObservationRecord> records,
    const std::string& label, std::vector<bool>* valid_records = nullptr);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_LOAD_DATASET_LOADER_H_
