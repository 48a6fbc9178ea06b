#ifndef INDICATORS_SERVER_SERVING_CHANGE_LOG_H_
#define INDICATORS_SERVER_SERVING_CHANGE_LOG_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/core/change/watch_filter.h"

namespace indicators::rpc {

// One changed observation as watchers get it: what filters look at, and the
// encoded `v1::ObservationChange`.
struct LoggedChange {
  ChangedRow row;
  std::string encoded;
};

// The changes that brought the dataset to `revision`.
struct LoggedRevision {
  int64_t revision = 0;
  std::vector<LoggedChange> changes;
};

// Calls a function when a watcher may have something to send, until
// cancelled. `Cancel` returns once a call in progress is done (unless it is
// called from within that call), so the watcher can be destroyed after it.
class Waker {
 public:
  explicit Waker(std::function<void()> wake) : wake_(std::move(wake)) {}
  void Wake() {
    absl::MutexLock call(&call_mu_);  // One call at a time.
    if (cancelled_.load()) return;
    calling_.store(std::this_thread::get_id());
    wake_();
    calling_.store(std::thread::id());
  }
  void Cancel() {
    cancelled_.store(true);
    if (calling_.load() == std::this_thread::get_id()) return;
    absl::MutexLock wait(&call_mu_);
  }

 private:
  const std::function<void()> wake_;
  absl::Mutex call_mu_;
  std::atomic<bool> cancelled_{false};
  std::atomic<std::thread::id> calling_{};
};

// The recent changes of the served dataset, shared by every watcher of this
// server: one entry per loaded revision, the oldest dropped once more than
// `max_changes` changes are kept. Watchers read it by position (no copy per
// watcher) and are woken when a revision is appended, every
// `progress_interval`, and when the log closes (the server drains).
class ChangeLog {
 public:
  ChangeLog(int64_t revision, size_t max_changes,
            absl::Duration progress_interval);
  ~ChangeLog();
  ChangeLog(const ChangeLog&) = delete;
  ChangeLog& operator=(const ChangeLog&) = delete;

  // Appends the changes that brought the dataset to `revision` (greater than
  // the last) and wakes every watcher.
  void Append(int64_t revision, std::vector<LoggedChange> changes);

  // The last revision, and the oldest one a watch can start after (every
  // change after it is kept).
  int64_t revision() const;
  int64_t oldest() const;
  size_t max_changes() const { return max_changes_; }
  absl::Duration progress_interval() const { return progress_interval_; }

  // Returns the revisions after `after`, oldest first (empty if none yet), or
  // OUT_OF_RANGE if changes after `after` are no longer kept; sets `unread`
  // to how many changes they hold.
  absl::StatusOr<std::vector<std::shared_ptr<const LoggedRevision>>> After(
      int64_t after, size_t* unread) const;
  // How many changes are kept after `after`, or OUT_OF_RANGE as `After`.
  absl::StatusOr<size_t> UnreadAfter(int64_t after) const;

  // Registers `waker` until it is cancelled (weakly: a cancelled or destroyed
  // waker is dropped at the next wake).
  void Subscribe(std::shared_ptr<Waker> waker);

  // Ends every watch (`closed()` turns true) and wakes them.
  void Close();
  bool closed() const;

 private:
  void WakeAll();

  const size_t max_changes_;
  const absl::Duration progress_interval_;
  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<const LoggedRevision>> revisions_
      ABSL_GUARDED_BY(mu_);
  int64_t revision_ ABSL_GUARDED_BY(mu_);
  int64_t oldest_ ABSL_GUARDED_BY(mu_);
  size_t kept_changes_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::weak_ptr<Waker>> wakers_ ABSL_GUARDED_BY(mu_);
  absl::Notification stop_;
  std::thread ticker_;  // Wakes watchers for progress messages.
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_SERVING_CHANGE_LOG_H_
