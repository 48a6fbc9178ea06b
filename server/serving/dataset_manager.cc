#include "server/serving/dataset_manager.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/core/base/errors.h"
#include "server/core/base/status_macros.h"
#include "server/core/change/apply_changes.h"
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

v1::ChangeKind KindToProto(ChangeKind kind) {
  return kind == ChangeKind::kAdded     ? v1::CHANGE_KIND_ADDED
         : kind == ChangeKind::kRevised ? v1::CHANGE_KIND_REVISED
                                        : v1::CHANGE_KIND_WITHDRAWN;
}

// Row `row` of `from` changed as `kind` in `revision`, as watchers get it.
LoggedChange LogRow(const Dataset& from, uint32_t row, ChangeKind kind,
                    int64_t revision) {
  v1::ObservationChange message;
  message.set_kind(KindToProto(kind));
  ToProto(from, row, message.mutable_observation());
  message.set_revision(revision);
  return {ChangedRowOf(from, row), message.SerializeAsString()};
}

// Appends `changes` (rows of `after`, or of `before` for a withdrawal) to
// `out`, as watchers get them.
void LogRowChanges(const Dataset& before, const Dataset& after,
                   const std::vector<RowChange>& changes, int64_t revision,
                   std::vector<LoggedChange>* out) {
  for (const RowChange& change : changes) {
    out->push_back(
        LogRow(change.kind == ChangeKind::kWithdrawn ? before : after,
               change.row, change.kind, revision));
  }
}

// Returns the changes from `before` to `after`, as watchers get them.
std::vector<LoggedChange> LogChanges(const Dataset& before,
                                     const Dataset& after, int64_t revision) {
  std::vector<LoggedChange> out;
  LogRowChanges(before, after, DiffDatasets(before, after), revision, &out);
  return out;
}

// Returns each revision's recorded changes as watchers get them, each row
// with what `catalog` says of its indicator and sources (one dataset of
// every revision's rows, so the catalog is copied once).
absl::StatusOr<std::vector<std::vector<LoggedChange>>> LogRecorded(
    const Dataset& catalog, absl::Span<const RecordedRevision> revisions) {
  ASSIGN_OR_RETURN(std::shared_ptr<const Dataset> rows,
                   DatasetOfChanges(catalog, revisions));
  // Change k of all the revisions is change k - first[i] of revision i.
  std::vector<size_t> first;
  std::vector<std::vector<LoggedChange>> out(revisions.size());
  for (size_t i = 0, k = 0; i < revisions.size(); ++i) {
    first.push_back(k);
    k += revisions[i].changes.size();
    out[i].resize(revisions[i].changes.size());
  }
  for (uint32_t row = 0; row < rows->published_observation_count(); ++row) {
    const size_t k = rows->positions()[row];
    const size_t i =
        std::upper_bound(first.begin(), first.end(), k) - first.begin() - 1;
    const RecordedRevision& revision = revisions[i];
    out[i][k - first[i]] = LogRow(
        *rows, row, revision.changes[k - first[i]].kind, revision.revision);
  }
  return out;
}

}  // namespace

DatasetManager::DatasetManager(std::shared_ptr<const ServiceCore> core,
                               std::shared_ptr<const DatasetSource> source,
                               std::shared_ptr<ResponseBudget> budget,
                               std::shared_ptr<const DatasetWriter> writer,
                               WatchOptions watch,
                               std::shared_ptr<const RecordedHistory> history,
                               std::shared_ptr<const ChangeSource> changes)
    : source_(std::move(source)),
      budget_(std::move(budget)),
      writer_(std::move(writer)),
      history_(std::move(history)),
      change_source_(std::move(changes)),
      watch_(watch) {
  // A database's revision numbers the log; a server of files counts from 1.
  const int64_t revision = std::max<int64_t>(core->dataset()->revision(), 1);
  const std::shared_ptr<const Dataset> served = core->dataset();
  Publish(MakeSnapshot(std::move(core), budget_, revision));
  LogRecordedHistory(*served);
  if (changes_ == nullptr) {
    changes_ = std::make_shared<ChangeLog>(revision, watch.max_changes,
                                           watch.progress_interval);
  }
}

void DatasetManager::LogRecordedHistory(const Dataset& served) {
  if (change_source_ == nullptr || served.revision() == 0) return;
  // From the oldest revision recorded, or later ones while the changes up
  // to the one served are more than the log keeps.
  absl::StatusOr<RecordedChanges> recorded =
      change_source_->ChangesAfter(served.revision(), 0);
  for (int64_t after = recorded.ok() ? recorded->recorded_since : 0;
       recorded.ok() && after < served.revision();
       after += (served.revision() - after + 1) / 2) {
    recorded = change_source_->ChangesAfter(after, watch_.max_changes);
    if (!recorded.ok() || !recorded->load_whole.empty()) continue;
    std::vector<RecordedRevision>& revisions = recorded->revisions;
    while (!revisions.empty() &&
           revisions.back().revision > served.revision()) {
      revisions.pop_back();  // Committed since the load: not served yet.
    }
    absl::StatusOr<std::vector<std::vector<LoggedChange>>> logged =
        LogRecorded(served, revisions);
    if (!logged.ok()) return;  // The log starts at the revision served.
    auto log = std::make_shared<ChangeLog>(after, watch_.max_changes,
                                           watch_.progress_interval);
    for (size_t i = 0; i < logged->size(); ++i) {
      log->Append(revisions[i].revision, std::move((*logged)[i]));
    }
    if (log->revision() == served.revision()) changes_ = std::move(log);
    return;
  }
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
  const int64_t served = Current()->core->dataset()->revision();
  if (served == revision) return absl::OkStatus();
  if (change_source_ == nullptr) return ReloadLocked(trigger);
  // A store's revisions only grow: one served already holds any older one
  // (the follower may report a revision an ingest's catch-up went past).
  if (served > revision) return absl::OkStatus();
  return ApplyLocked(trigger);
}

size_t DatasetManager::MaxAppliedChanges() const {
  // Applying builds the next version from the one served, whose size it
  // costs anyway; beyond a quarter of the rows a whole load is as cheap.
  return std::max<size_t>(
      100000, Current()->core->dataset()->published_observation_count() / 4);
}

absl::Status DatasetManager::ApplyLocked(const std::string& trigger) {
  const std::shared_ptr<const Snapshot> served = Current();
  const std::shared_ptr<const Dataset>& before = served->core->dataset();
  absl::StatusOr<RecordedChanges> recorded =
      change_source_->ChangesAfter(before->revision(), MaxAppliedChanges());
  if (!recorded.ok()) return recorded.status();
  if (!recorded->load_whole.empty()) {
    return ReloadLocked(
        absl::StrCat(trigger, " (whole: ", recorded->load_whole, ")"));
  }
  if (recorded->revisions.empty()) return absl::OkStatus();
  absl::StatusOr<std::shared_ptr<const Dataset>> after =
      ApplyRecordedChanges(*before, recorded->revisions);
  absl::StatusOr<std::vector<std::vector<LoggedChange>>> logged =
      after.ok() ? LogRecorded(**after, recorded->revisions) : after.status();
  if (!logged.ok()) {
    // A whole load gives the same answer: it fails the same way, or the
    // records were not what the version served came from.
    std::fprintf(stderr,
                 "indicators-server: the changes up to revision %lld do not "
                 "apply, loading it whole: %s\n",
                 static_cast<long long>(recorded->head),
                 std::string(logged.status().message()).c_str());
    return ReloadLocked(trigger);
  }
  LogRowChanges(*before, **after, DiffDerivedRows(*before, **after),
                recorded->revisions.back().revision, &logged->back());
  for (size_t i = 0; i < logged->size(); ++i) {
    changes_->Append(recorded->revisions[i].revision, std::move((*logged)[i]));
  }
  const int64_t revision = (*after)->revision();
  Publish(MakeSnapshot(served->core->WithDataset(*after), budget_, revision));
  absl::MutexLock lock(&mu_);
  last_reload_ = ReloadOutcome{absl::Now(), trigger, absl::OkStatus(),
                               current_->core->dataset()->version()};
  ++reloads_.applied;
  return absl::OkStatus();
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
