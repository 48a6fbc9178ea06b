#ifndef INDICATORS_SERVER_CORE_DATASET_LOADER_H_
#define INDICATORS_SERVER_CORE_DATASET_LOADER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/core/dataset.h"

namespace indicators {

// The files of a dataset directory, in the order they are hashed.
inline constexpr const char* kDatasetFiles[] = {
    "indicators.csv", "regions.csv", "sources.csv", "observations.csv"};

// Loads and checks the dataset in directory `dir` (the format is described in
// README.md). Every row is checked: column count, ids, references, numbers,
// periods, dates, enum values and duplicates. On any error nothing is returned
// but INVALID_ARGUMENT listing the first errors as `file:line: column N
// (name): reason`; NOT_FOUND if a file is missing. The version is the
// lowercase hex SHA-256 of the four files (see `DatasetVersion`).
absl::StatusOr<std::shared_ptr<const Dataset>> LoadDataset(
    const std::string& dir);

// Same as `LoadDataset`, from the four files' contents already in memory (in
// `kDatasetFiles` order); `label` names the dataset in error messages.
absl::StatusOr<std::shared_ptr<const Dataset>> LoadDatasetFromTexts(
    const std::string& label, const std::string (&texts)[4]);

// Returns the lowercase hex SHA-256 over, for each file in `kDatasetFiles`
// order, its name, a NUL byte, its size as 8 little-endian bytes and its bytes.
std::string DatasetVersion(const std::string (&contents)[4]);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_LOADER_H_
