#ifndef INDICATORS_SERVER_STORE_POSTGRES_CHANGES_H_
#define INDICATORS_SERVER_STORE_POSTGRES_CHANGES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "server/core/change/recorded_changes.h"
#include "server/store/connection_pool.h"

namespace indicators::store {

// Reads the change records of `observation_changes` (migration 0003) after
// `after`, in one repeatable-read snapshot with the revision they lead to.
absl::StatusOr<RecordedChanges> ReadRecordedChanges(pqxx::transaction_base& txn,
                                                    int64_t after,
                                                    size_t max_changes);

// The change records in PostgreSQL, as a replica's `ChangeSource`.
class PostgresChanges final : public ChangeSource {
 public:
  // Reads on connections of `pool`.
  explicit PostgresChanges(std::shared_ptr<const ConnectionPool> pool)
      : pool_(std::move(pool)) {}

  absl::StatusOr<RecordedChanges> ChangesAfter(
      int64_t after, size_t max_changes) const override;

 private:
  std::shared_ptr<const ConnectionPool> pool_;
};

}  // namespace indicators::store

#endif  // INDICATORS_SERVER_STORE_POSTGRES_CHANGES_H_
