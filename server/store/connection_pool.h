#ifndef INDICATORS_SERVER_STORE_CONNECTION_POOL_H_
#define INDICATORS_SERVER_STORE_CONNECTION_POOL_H_

#include <memory>
#include <pqxx/connection>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace indicators::store {

// At most `size` connections to one database, opened when first needed
// (with `WithTimeLimits`) and kept for the next caller, shared by the calls
// that read history or write batches instead of a connection per call.
class ConnectionPool {
 public:
  // `wait` bounds how long `Run` waits for a connection when all `size`
  // are in use.
  ConnectionPool(std::string conninfo, int size,
                 absl::Duration wait = absl::Seconds(5));
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Runs `body` on a connection of the pool and returns its status, or its
  // libpqxx exception as one (`Guarded`, with `what`). UNAVAILABLE when no
  // connection frees up within `wait` or none can be opened. A connection
  // that broke (closed, or UNAVAILABLE from `body`) is not used again.
  absl::Status Run(
      absl::string_view what,
      absl::FunctionRef<absl::Status(pqxx::connection&)> body) const;

  // The most connections open at once.
  int size() const { return size_; }

 private:
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Acquire(
      absl::string_view what) const;
  void Return(std::unique_ptr<pqxx::connection> connection, bool broken) const;

  const std::string conninfo_;
  const int size_;
  const absl::Duration wait_;
  mutable absl::Mutex mu_;
  mutable std::vector<std::unique_ptr<pqxx::connection>> idle_
      ABSL_GUARDED_BY(mu_);
  mutable int open_ ABSL_GUARDED_BY(mu_) = 0;  // Idle and in use.
};

}  // namespace indicators::store

#endif  // INDICATORS_SERVER_STORE_CONNECTION_POOL_H_
