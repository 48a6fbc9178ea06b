#ifndef INDICATORS_SERVER_STORE_POSTGRES_HISTORY_H_
#define INDICATORS_SERVER_STORE_POSTGRES_HISTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "server/core/query/recorded_history.h"
#include "server/store/connection_pool.h"

namespace indicators::store {

// The recorded values of a figure in PostgreSQL: the current observations
// with when they were recorded, and `observation_history`, in one snapshot.
class PostgresHistory final : public RecordedHistory {
 public:
  // Reads on connections of `pool`.
  explicit PostgresHistory(std::shared_ptr<const ConnectionPool> pool)
      : pool_(std::move(pool)) {}

  absl::StatusOr<std::vector<RecordedValue>> Read(
      const std::string& indicator_id, const std::string& region_code,
      const std::string& period) const override;

 private:
  std::shared_ptr<const ConnectionPool> pool_;
};

}  // namespace indicators::store

#endif  // INDICATORS_SERVER_STORE_POSTGRES_HISTORY_H_
