#ifndef INDICATORS_SERVER_CORE_CHANGE_APPLY_CHANGES_H_
#define INDICATORS_SERVER_CORE_CHANGE_APPLY_CHANGES_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/core/change/recorded_changes.h"
#include "server/core/dataset/dataset.h"

namespace indicators {

// Returns the version `revisions` lead to from `base`, which a store loaded
// (it has `positions()`): the same tables, indexes and version a whole load
// of the store at the last revision gives, built from `base` without reading
// the rest of the dataset again. The changes are applied in order; each
// names its observation by the duplicate rule (indicator, region, period and
// set of sources) and, among rows of one figure, by position. INVALID_ARGUMENT
// if a record breaks a rule of the loader or the result holds two rows of one
// figure (a whole load fails the same way), or a change revises or withdraws
// a figure that is not there; FAILED_PRECONDITION if `base` came from files.
absl::StatusOr<std::shared_ptr<const Dataset>> ApplyRecordedChanges(
    const Dataset& base, absl::Span<const RecordedRevision> revisions);

// Returns a dataset whose published rows are the rows of `revisions`'
// changes (checked as `ApplyRecordedChanges` checks them) with `catalog`'s
// catalog, each row's `positions()` entry its change's index counted over
// all the revisions: what encodes recorded changes with everything a served
// row carries (units, reliability).
absl::StatusOr<std::shared_ptr<const Dataset>> DatasetOfChanges(
    const Dataset& catalog, absl::Span<const RecordedRevision> revisions);

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_CHANGE_APPLY_CHANGES_H_
