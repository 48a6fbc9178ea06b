#ifndef INDICATORS_SERVER_SERVING_DATASET_MANAGER_H_
#define INDICATORS_SERVER_SERVING_DATASET_MANAGER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/change/ingest_batch.h"
#include "server/core/change/recorded_changes.h"
#include "server/core/change/reload_outcome.h"
#include "server/core/load/dataset_source.h"
#include "server/core/query/recorded_history.h"
#include "server/core/service_core.h"
#include "server/serving/change_log.h"
#include "server/wire/encoded_columns.h"
#include "server/wire/encoded_dataset.h"

namespace indicators::rpc {

// One dataset version ready to serve: the core over it and its wire bytes.
// A call takes one snapshot at its start and uses only it, so every response
// and every stream comes from exactly one version.
struct Snapshot {
  std::shared_ptr<const ServiceCore> core;
  std::shared_ptr<const EncodedDataset> encoded;
  std::shared_ptr<const EncodedColumns> columns;
  // Its position in the change log (`ChangeLog`): the database's revision,
  // or for files the count of loads that changed something, from 1.
  int64_t revision = 0;
};

// How much of the change history a server keeps for watchers.
struct WatchOptions {
  // Changes kept (the oldest revisions go first).
  size_t max_changes = 100000;
  // How often idle watchers that asked for it get a progress message.
  absl::Duration progress_interval = absl::Seconds(5);
};

// Holds the snapshot being served and replaces it on reload. `Current` takes
// no lock in the steady state: each thread keeps the snapshot it last saw and
// compares a generation number; only the first call on a thread after a swap
// takes a mutex. A reload loads and indexes the new dataset beside the live
// one and swaps it in whole; a dataset that fails to load is rejected and the
// old one keeps serving.
class DatasetManager {
 public:
  // Serves `core`; reloads read `source`. Responses are allocated from
  // `budget` (unbounded if null).
  DatasetManager(std::shared_ptr<const ServiceCore> core,
                 std::shared_ptr<const DatasetSource> source,
                 std::shared_ptr<ResponseBudget> budget = nullptr,
                 std::shared_ptr<const DatasetWriter> writer = nullptr,
                 WatchOptions watch = {},
                 std::shared_ptr<const RecordedHistory> history = nullptr,
                 std::shared_ptr<const ChangeSource> changes = nullptr);

  // Returns the snapshot to serve a call from.
  std::shared_ptr<const Snapshot> Current() const;

  // Returns the log of the changes between the versions served, for
  // watchers; every reload that changes the content appends to it before the
  // new version serves.
  const std::shared_ptr<ChangeLog>& changes() const { return changes_; }

  // Loads the dataset from the source again and, if it is valid, serves it
  // from now on. Returns the load error otherwise (nothing changes). `trigger`
  // names what asked for it. Reloads run one at a time; calls keep being served
  // throughout.
  absl::Status Reload(const std::string& trigger);

  // Brings the dataset served to `revision` (a store's revision: an ingest
  // and the revision follower both ask for the same one, and only the first
  // does the work) unless it is there already. With a change source, applies
  // the changes recorded since the revision served to it, each revision
  // logged for watchers under its own number; it loads the whole dataset
  // only when they are not all recorded (a catalog change, compacted), when
  // they are more than `MaxAppliedChanges` or when applying them fails.
  absl::Status CatchUp(int64_t revision, const std::string& trigger);

  // The most changes one catch-up applies; more load the whole dataset.
  size_t MaxAppliedChanges() const;

  // Returns the outcome of the last reload, if there was one.
  std::optional<ReloadOutcome> LastReload() const;

  // How many reloads succeeded and failed since the start.
  struct ReloadCounts {
    int64_t succeeded = 0;  // Whole loads.
    int64_t failed = 0;
    int64_t applied = 0;  // Catch-ups that applied recorded changes.
  };
  ReloadCounts Reloads() const;

  // What `Ingest` did, and the version served once it is loaded.
  struct IngestOutcome {
    IngestResult result;
    // The version served at `result.revision` or later; empty if this server
    // could not load that revision yet (the batch is committed all the same).
    std::string version;
  };
  // Writes `batch` to the store (FAILED_PRECONDITION without one: a server of
  // files), then, unless it already serves that revision, reloads so that it
  // answers with the batch in what it serves.
  absl::StatusOr<IngestOutcome> Ingest(const IngestBatch& batch);

  // Returns where the recorded values of a figure are read, or null (files).
  const RecordedHistory* history() const { return history_.get(); }

  // Returns the name of the source (a directory or a database).
  std::string SourceName() const { return source_->Describe(); }

  // Records since when the source could not be reached (the snapshot served
  // may be behind it), or nullopt once it can be again.
  void SetStaleSince(std::optional<absl::Time> since);
  std::optional<absl::Time> StaleSince() const;

 private:
  void Publish(std::shared_ptr<const Snapshot> snapshot);
  absl::Status ReloadLocked(const std::string& trigger)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  // Applies the recorded changes after the revision served, or reloads.
  absl::Status ApplyLocked(const std::string& trigger)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  // Fills the log with the recorded changes up to the revision served, so
  // that watches resume from before this server started.
  void LogRecordedHistory(const Dataset& served);

  const std::shared_ptr<const DatasetSource> source_;
  const std::shared_ptr<ResponseBudget> budget_;
  const std::shared_ptr<const DatasetWriter> writer_;
  std::shared_ptr<ChangeLog> changes_;
  const std::shared_ptr<const RecordedHistory> history_;
  const std::shared_ptr<const ChangeSource> change_source_;
  const WatchOptions watch_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_);
  std::optional<ReloadOutcome> last_reload_ ABSL_GUARDED_BY(mu_);
  ReloadCounts reloads_ ABSL_GUARDED_BY(mu_);
  std::optional<absl::Time> stale_since_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{0};
  absl::Mutex reload_mu_;  // One reload at a time.
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_SERVING_DATASET_MANAGER_H_
