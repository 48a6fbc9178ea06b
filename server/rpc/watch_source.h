#ifndef INDICATORS_SERVER_RPC_WATCH_SOURCE_H_
#define INDICATORS_SERVER_RPC_WATCH_SOURCE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

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
// its own: it reads the log by position. It ends a running watch with
// ABORTED when it falls more than half the log behind (a watch that starts
// or resumes gets its backlog), and UNAVAILABLE when the log closes, each
// naming the revision to resume from.
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
  Pull NextInitial(grpc::ByteBuffer* message);
  // Writes the next message of changes after the position; returns false if
  // there is none yet (or an error: a watcher too far behind).
  absl::StatusOr<bool> NextChanges(grpc::ByteBuffer* message);
  // With nothing new: the end (the log closed), a progress message, or later.
  absl::StatusOr<Pull> NextIdle(grpc::ByteBuffer* message);
  // Sets `message` to a message of `event` with `changes` at `revision`.
  static void Encode(v1::WatchEvent event,
                     const std::vector<const std::string*>& changes,
                     int64_t revision, grpc::ByteBuffer* message);

  const std::shared_ptr<ChangeLog> log_;
  const WatchFilter filter_;
  int64_t position_;  // Every change up to this revision has been sent.
  std::shared_ptr<const Snapshot> snapshot_;  // Until the snapshot is sent.
  std::optional<ObservationStream> initial_;
  const bool progress_;
  const size_t batch_size_;
  // The revisions read from the log and not sent yet; `next_change_` is the
  // first unsent change of the front one.
  std::deque<std::shared_ptr<const LoggedRevision>> pending_;
  size_t next_change_ = 0;
  absl::Time last_sent_;
  bool sent_any_ = false;  // Changes were sent in this call.
  std::shared_ptr<Waker> waker_;
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_WATCH_SOURCE_H_
