#include "server/core/load/dataset_source.h"

#include "server/core/load/dataset_loader.h"

namespace indicators {

absl::StatusOr<std::shared_ptr<const Dataset>> CsvDirectorySource::Load()
    const {
  return LoadDataset(dir_);
}

}  // namespace indicators
