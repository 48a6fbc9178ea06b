#ifndef INDICATORS_SERVER_CORE_LOAD_DATASET_SOURCE_H_
#define INDICATORS_SERVER_CORE_LOAD_DATASET_SOURCE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/core/dataset/dataset.h"

namespace indicators {

// Where a server's dataset comes from: a CSV directory or a database. The
// server loads from it at start and on every reload.
class DatasetSource {
 public:
  virtual ~DatasetSource() = default;

  // Loads and checks the whole dataset as stored now. A store that cannot be
  // reached gives UNAVAILABLE; content that fails the checks, INVALID_ARGUMENT.
  virtual absl::StatusOr<std::shared_ptr<const Dataset>> Load() const = 0;

  // Names the source for logs and `GetDatasetInfo`, without credentials.
  virtual std::string Describe() const = 0;
};

// The four CSV files of a directory (see `LoadDataset`).
class CsvDirectorySource final : public DatasetSource {
 public:
  explicit CsvDirectorySource(std::string dir) : dir_(std::move(dir)) {}
  absl::StatusOr<std::shared_ptr<const Dataset>> Load() const override;
  std::string Describe() const override { return dir_; }

 private:
  std::string dir_;
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_LOAD_DATASET_SOURCE_H_
