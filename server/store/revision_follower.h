#ifndef INDICATORS_SERVER_STORE_REVISION_FOLLOWER_H_
#define INDICATORS_SERVER_STORE_REVISION_FOLLOWER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace indicators::store {

// Keeps a replica on the stored revision. On its own thread it LISTENs on
// `indicators_dataset` (the schema's trigger notifies at every commit that
// changes the dataset) and also reads the revision every `poll_interval`, so
// a lost notification or a reconnection costs at most one interval. When the
// revision differs from the one served, it calls `load`. When the database
// cannot be reached it reports the replica stale (since the first failure),
// reconnects with exponential backoff and, once reconnected, reports it fresh
// and catches up.
class RevisionFollower {
 public:
  struct Options {
    std::string conninfo;
    absl::Duration poll_interval = absl::Seconds(2);
    absl::Duration initial_backoff = absl::Milliseconds(100);
    absl::Duration max_backoff = absl::Seconds(5);
    // Names the connection in `pg_stat_activity`.
    std::string application_name = "indicators-server";
  };
  struct Callbacks {
    // Loads the stored dataset (revision `revision` or newer) and serves it.
    // UNAVAILABLE is tried again at the next poll; any other error is the
    // revision's own and is not tried again until the revision changes.
    std::function<absl::Status(int64_t revision)> load;
    // Reports since when the replica could not read the revision, or nullopt
    // once it can again.
    std::function<void(std::optional<absl::Time> stale_since)> set_stale;
  };

  // Starts following; `served_revision` is the revision being served now.
  RevisionFollower(Options options, int64_t served_revision,
                   Callbacks callbacks);
  // Stops following and joins the thread (within about 100 ms).
  ~RevisionFollower();

  RevisionFollower(const RevisionFollower&) = delete;
  RevisionFollower& operator=(const RevisionFollower&) = delete;

 private:
  void Run();
  // Waits up to `timeout`; returns true if asked to stop.
  bool SleepUnlessStopped(absl::Duration timeout);

  const Options options_;
  const Callbacks callbacks_;
  int64_t handled_revision_;  // Only the thread uses it.
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace indicators::store

#endif  // INDICATORS_SERVER_STORE_REVISION_FOLLOWER_H_
