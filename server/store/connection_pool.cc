#include "server/store/connection_pool.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/store/conninfo.h"
#include "server/store/pg_status.h"

namespace indicators::store {

ConnectionPool::ConnectionPool(std::string conninfo, int size,
                               absl::Duration wait)
    : conninfo_(std::move(conninfo)), size_(std::max(size, 1)), wait_(wait) {}

absl::Status ConnectionPool::Run(
    absl::string_view what,
    absl::FunctionRef<absl::Status(pqxx::connection&)> body) const {
  absl::StatusOr<std::unique_ptr<pqxx::connection>> connection = Acquire(what);
  if (!connection.ok()) return connection.status();
  absl::Status status = Guarded(what, [&] { return body(**connection); });
  const bool broken = status.code() == absl::StatusCode::kUnavailable ||
                      !(*connection)->is_open();
  Return(*std::move(connection), broken);
  return status;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectionPool::Acquire(
    absl::string_view what) const {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_ < size_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&available), wait_)) {
      return absl::UnavailableError(absl::StrCat(
          what, ": all ", size_, " database connections stayed busy for ",
          absl::FormatDuration(wait_)));
    }
    if (!idle_.empty()) {
      std::unique_ptr<pqxx::connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
    ++open_;  // Reserves the slot; the connection opens outside the lock.
  }
  absl::StatusOr<std::unique_ptr<pqxx::connection>> opened = Guarded(what, [&] {
    return std::make_unique<pqxx::connection>(WithTimeLimits(conninfo_));
  });
  if (!opened.ok()) {
    absl::MutexLock lock(&mu_);
    --open_;
  }
  return opened;
}

void ConnectionPool::Return(std::unique_ptr<pqxx::connection> connection,
                            bool broken) const {
  std::unique_ptr<pqxx::connection> closing;  // Closed outside the lock.
  absl::MutexLock lock(&mu_);
  if (broken) {
    --open_;
    closing = std::move(connection);
    return;
  }
  idle_.push_back(std::move(connection));
}

}  // namespace indicators::store
