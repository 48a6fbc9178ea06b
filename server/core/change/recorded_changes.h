#ifndef INDICATORS_SERVER_CORE_CHANGE_RECORDED_CHANGES_H_
#define INDICATORS_SERVER_CORE_CHANGE_RECORDED_CHANGES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/change/dataset_diff.h"
#include "server/core/dataset/records.h"

namespace indicators {

// One observation a store's transaction added, revised or withdrew, as the
// store recorded it in that transaction.
struct RecordedChange {
  ChangeKind kind = ChangeKind::kAdded;
  // The row's place in the store's order (its ordinal), after the change.
  int64_t position = 0;
  // The row after the change; for a withdrawal, as it was.
  ObservationRecord record;
};

// The changes of one revision, in the order its transaction made them.
struct RecordedRevision {
  int64_t revision = 0;
  std::vector<RecordedChange> changes;
};

// What a store recorded after a revision.
struct RecordedChanges {
  // The store's revision when read.
  int64_t head = 0;
  // The revision after which every revision's changes are recorded (older
  // ones were compacted; a revision that changed the catalog records none).
  int64_t recorded_since = 0;
  // Set when the changes asked for cannot be applied one by one: not all
  // recorded, or more than asked for. The reason, for the log.
  std::string load_whole;
  // Every revision after the one asked for, up to `head`, oldest first
  // (empty when `load_whole` is set).
  std::vector<RecordedRevision> revisions;
};

// Where a replica reads the changes of the versions after the one it serves.
class ChangeSource {
 public:
  virtual ~ChangeSource() = default;
  // Returns the revisions after `after` with their changes, or `load_whole`
  // when they are not all recorded or hold more than `max_changes` changes.
  // UNAVAILABLE when the store cannot be reached.
  virtual absl::StatusOr<RecordedChanges> ChangesAfter(
      int64_t after, size_t max_changes) const = 0;
};

}  // namespace indicators

#endif  // INDICATORS_SERVER_CORE_CHANGE_RECORDED_CHANGES_H_
