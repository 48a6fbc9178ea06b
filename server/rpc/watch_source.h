#ifndef INDICATORS_SERVER_RPC_WATCH_SOURCE_H_
#define INDICATORS_SERVER_RPC_WATCH_SOURCE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "indicators/v1/indicator_service.pb.h"
#include "server/core/change/watch_filter.h"
#include "server/core/query/observation_query.h"
#include "server/rpc/message_source.h"
#include "server/serving/change_log.h"
#include "server/serving/dataset_manager.h"

namespace indicators::rpc {

// The messages of one `WatchObservations` call: the current matches of a
// snapshot if asked (SNAPSHOT messages, then SNAPSHOT_END), then, from the
// shared change log, each later revision's matching changes (CHANGES, at
// most `batch_size` per message; a revision's last message carries its
// number), and PROGRESS messages while idle if asked. It holds no buffer of
// its own: it reads the log by position. A watch that starts or resumes
// behind gets its backlog; one that has reached the newest revision and then
// falls more than half the log behind is ended with ABORTED, whether its
// reader reads or has stopped: that is noticed at every wake (a change
// arriving, the progress tick), also while a message is stuck in flight to
// a reader that stopped. It then lets go of what it held of the log and
// ends once that message is through, naming the last revision it sent
// whole, which the log still keeps for a while. When the log closes it ends
// with UNAVAILABLE, also naming the revision to resume from.
class WatchSource final : public MessageSource {
 public:
  WatchSource(std::shared_ptr<ChangeLog> log, WatchFilter filter, int64_t start,
              std::shared_ptr<const Snapshot> snapshot,
              std::optional<ObservationStream> initial, bool progress,
              size_t batch_size);

  absl::StatusOr<Pull> Next(grpc::ByteBuffer* message) override;
  void CallWhenReady(std::function<void()> ready) override;
  void StopCalling() override;

 private:
  // The next message of the current matches, or their end marker.
  Pull NextInitial(grpc::ByteBuffer* message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes the next message of changes after the position; returns false if
  // there is none yet (or an error: a watcher too far behind).
  absl::StatusOr<bool> NextChanges(grpc::ByteBuffer* message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // With nothing new: the end (the log closed), a progress message, or later.
  absl::StatusOr<Pull> NextIdle(grpc::ByteBuffer* message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // At each wake: marks a watch that has fallen behind (above) to end at
  // its next pull, and drops the revisions it held.
  void NoteIfBehind();
  // Whether `unread` changes are more than half the log.
  bool TooFarBehind(size_t unread) const;
  // ABORTED for a watch `unread` changes behind, naming where to resume.
  absl::Status BehindError(size_t unread) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets `message` to a message of `event` with `changes` at `revision`,
  // `partial` if the revision's changes continue in the next.
  static void Encode(v1::WatchEvent event,
                     const std::vector<const std::string*>& changes,
                     int64_t revision, grpc::ByteBuffer* message,
                     bool partial = false);

  const std::shared_ptr<ChangeLog> log_;
  const WatchFilter filter_;
  const bool progress_;
  const size_t batch_size_;
  // Pulls (the writer's thread) and wakes (the log's) both read the state.
  absl::Mutex mu_;
  // Every change up to this revision has been sent.
  int64_t position_ ABSL_GUARDED_BY(mu_);
  // Until the snapshot is sent.
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  std::optional<ObservationStream> initial_ ABSL_GUARDED_BY(mu_);
  // The revisions read from the log and not sent yet; `next_change_` is the
  // first unsent change of the front one.
  std::deque<std::shared_ptr<const LoggedRevision>> pending_
      ABSL_GUARDED_BY(mu_);
  size_t next_change_ ABSL_GUARDED_BY(mu_) = 0;
  // The watch has reached the newest revision at least once.
  bool caught_up_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_sent_ ABSL_GUARDED_BY(mu_);
  bool sent_any_ ABSL_GUARDED_BY(mu_) = false;  // Changes were sent.
  // Set when a wake found the watch too far behind: the error to end with.
  absl::Status behind_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<Waker> waker_;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_WATCH_SOURCE_H_
