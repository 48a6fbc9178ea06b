#include "server/rpc/dataset_manager.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/core/errors.h"
#include "server/core/status_macros.h"

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
    std::shared_ptr<ResponseBudget> budget) {
  auto encoded = std::make_shared<const EncodedDataset>(core->dataset(),
                                                        std::move(budget));
  return std::make_shared<const Snapshot>(
      Snapshot{std::move(core), std::move(encoded)});
}

}  // namespace

DatasetManager::DatasetManager(std::shared_ptr<const ServiceCore> core,
                               std::shared_ptr<const DatasetSource> source,
                               std::shared_ptr<ResponseBudget> budget,
                               std::shared_ptr<const DatasetWriter> writer)
    : source_(std::move(source)),
      budget_(std::move(budget)),
      writer_(std::move(writer)) {
  Publish(MakeSnapshot(std::move(core), budget_));
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
  absl::StatusOr<std::shared_ptr<const Dataset>> dataset = source_->Load();
  std::shared_ptr<const Snapshot> fresh;
  if (dataset.ok())
    fresh = MakeSnapshot(Current()->core->WithDataset(*dataset), budget_);
  if (fresh != nullptr) Publish(fresh);
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
  auto served = [&] { return Current()->core->dataset(); };
  if (served()->revision() < outcome.result.revision) {
    const absl::Status reloaded =
        Reload(absl::StrCat("ingest, revision ", outcome.result.revision));
    if (!reloaded.ok()) {
      std::fprintf(stderr,
                   "indicators-server: ingest committed revision %lld but it "
                   "is not served yet: %s\n",
                   static_cast<long long>(outcome.result.revision),
                   std::string(reloaded.message()).c_str());
    }
  }
  if (served()->revision() >= outcome.result.revision) {
    outcome.version = served()->version();
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
