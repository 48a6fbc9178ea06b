#ifndef INDICATORS_SERVER_CORE_DATASET_CONTENT_VERSION_H_
#define INDICATORS_SERVER_CORE_DATASET_CONTENT_VERSION_H_

#include <string>

#include "server/core/dataset/dataset.h"

namespace indicators {

// Returns a dataset's version: the lowercase hex SHA-256 of what the service
// serves from `tables`, in the order it serves it. The indicators, regions and
// sources are hashed in id order, field by field, and the observations in
// query order (`SortIntoQueryOrder` must have run), each as its indicator,
// region, period, value (the double, not its spelling), qualifier, status,
// sources in their order and note. So the version does not depend on how the
// CSV quotes or spells a number, on where the rows came from (a directory, the
// database, an export of what a server streams), or on row order beyond what
// the preferred-source rule sees; any served difference changes it.
std::string ContentVersion(const DatasetTables& tables);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_DATASET_CONTENT_VERSION_H_
