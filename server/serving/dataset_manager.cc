#include "server/serving/dataset_manager.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/core/change/dataset_diff.h"
#include "server/wire/convert.h"

namespace indicators::rpc {
namespace {

// Generations are unique across managers, so a thread's cached snapshot can
// never be mistaken for another manager's.
std::atomic<uint64_t> next_generation{1};

struct ThreadCache {
  uint64_t generation = 0;
  std::shared_ptr<const Snapshot> snapshot;
};
thread_local ThreadCache cache;

std::shared_ptr<const Snapshot> MakeSnapshot(
    std::shared_ptr<const ServiceCore> core,
    std::shared_ptr<ResponseBudget> budget, int64_t revision) {
  auto encoded =
      std::make_shared<const EncodedDataset>(core->dataset(), budget);
  auto columns = std::make_shared<const EncodedColumns>(core->dataset(),
                                                        std::move(budget));
  return std::make_shared<const Snapshot>(Snapshot{
      std::move(core), std::move(encoded), std::move(columns), revision});
}

// Returns the changes from `before` to `after`, as watchers get them.
std::vector<LoggedChange> LogChanges(const Dataset& before,
                                     const Dataset& after, int64_t revision) {
  std::vector<LoggedChange> out;
  for (const RowChange& change : DiffDatasets(before, after)) {
    const Dataset& from =
        change.kind == ChangeKind::kWithdrawn ? before : after;
    v1::ObservationChange message;
    message.set_kind(change.kind == ChangeKind::kAdded ? v1::CHANGE_KIND_ADDED
                     : change.kind == ChangeKind::kRevised
                         ? v1::CHANGE_KIND_REVISED
                         : v1::CHANGE_KIND_WITHDRAWN);
    ToProto(from, change.row, message.mutable_observation());
    message.set_revision(revision);
    out.push_back(
        {ChangedRowOf(from, change.row), message.SerializeAsString()});
  }
  return out;
}

}  // namespace

DatasetManager::DatasetManager(std::shared_ptr<const ServiceCore> core,
                               std::shared_ptr<const DatasetSource> source,
                               std::shared_ptr<ResponseBudget> budget,
                               std::shared_ptr<const DatasetWriter> writer,
                               WatchOptions watch,
                               std::shared_ptr<const RecordedHistory> history)
    : source_(std::move(source)),
      budget_(std::move(budget)),
      writer_(std::move(writer)),
      history_(std::move(history)) {
  // A database's revision numbers the log; a server of files counts from 1.
  const int64_t revision = std::max<int64_t>(core->dataset()->revision(), 1);
  changes_ = std::make_shared<ChangeLog>(revision, watch.max_changes,
                                         watch.progress_interval);
  Publish(MakeSnapshot(std::move(core), budget_, revision));
}

void DatasetManager::Publish(std::shared_ptr<const Snapshot> snapshot) {
  absl::MutexLock lock(&mu_);
  current_ = std::move(snapshot);
  generation_.store(next_generation.fetch_add(1), std::memory_order_release);
}

std::shared_ptr<const Snapshot> DatasetManager::Current() const {
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  if (cache.generation != generation) {
    absl::MutexLock lock(&mu_);
    cache.snapshot = current_;
    cache.generation = generation_.load(std::memory_order_relaxed);
  }
  return cache.snapshot;
}

absl::Status DatasetManager::Reload(const std::string& trigger) {
  absl::MutexLock one_at_a_time(&reload_mu_);
  return ReloadLocked(trigger);
}

absl::Status DatasetManager::CatchUp(int64_t revision,
                                     const std::string& trigger) {
  absl::MutexLock one_at_a_time(&reload_mu_);
  if (Current()->core->dataset()->revision() == revision) {
    return absl::OkStatus();
  }
  return ReloadLocked(trigger);
}

absl::Status DatasetManager::ReloadLocked(const std::string& trigger) {
  absl::StatusOr<std::shared_ptr<const Dataset>> dataset = source_->Load();
  if (dataset.ok()) {
    const std::shared_ptr<const Snapshot> served = Current();
    const Dataset& before = *served->core->dataset();
    int64_t revision = served->revision;
    if ((*dataset)->version() != before.version()) {
      // The changes go to watchers before the version serves, so that a
      // watch that starts from either version misses none of them.
      revision = std::max(revision + 1, (*dataset)->revision());
      changes_->Append(revision, LogChanges(before, **dataset, revision));
    }
    Publish(
        MakeSnapshot(served->core->WithDataset(*dataset), budget_, revision));
  }
  absl::MutexLock lock(&mu_);
  last_reload_ = ReloadOutcome{absl::Now(), trigger, dataset.status(),
                               current_->core->dataset()->version()};
  ++(dataset.ok() ? reloads_.succeeded : reloads_.failed);
  return dataset.status();
}

absl::StatusOr<DatasetManager::IngestOutcome> DatasetManager::Ingest(
    const IngestBatch& batch) {
  if (writer_ == nullptr) {
    return FieldError(absl::StatusCode::kFailedPrecondition,
                      reason::kNoDatabase, "observations",
                      "this server serves files (--data); ingest needs a "
                      "server of a database (--database)");
  }
  IngestOutcome outcome;
  ASSIGN_OR_RETURN(outcome.result, writer_->Ingest(batch));
  const absl::Status reloaded =
      CatchUp(outcome.result.revision,
              absl::StrCat("ingest, revision ", outcome.result.revision));
  if (!reloaded.ok()) {
    std::fprintf(stderr,
                 "indicators-server: ingest committed revision %lld but it "
                 "is not served yet: %s\n",
                 static_cast<long long>(outcome.result.revision),
                 std::string(reloaded.message()).c_str());
  }
  const std::shared_ptr<const Dataset> served = Current()->core->dataset();
  if (served->revision() >= outcome.result.revision) {
    outcome.version = served->version();
  }
  return outcome;
}

DatasetManager::ReloadCounts DatasetManager::Reloads() const {
  absl::MutexLock lock(&mu_);
  return reloads_;
}

std::optional<ReloadOutcome> DatasetManager::LastReload() const {
  absl::MutexLock lock(&mu_);
  return last_reload_;
}

void DatasetManager::SetStaleSince(std::optional<absl::Time> since) {
  absl::MutexLock lock(&mu_);
  stale_since_ = since;
}

std::optional<absl::Time> DatasetManager::StaleSince() const {
  absl::MutexLock lock(&mu_);
  return stale_since_;
}

}  // namespace indicators::rpc
