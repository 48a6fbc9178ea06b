#include "server/serving/change_log.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace indicators::rpc {

ChangeLog::ChangeLog(int64_t revision, size_t max_changes,
                     absl::Duration progress_interval)
    : max_changes_(max_changes),
      progress_interval_(progress_interval),
      revision_(revision),
      oldest_(revision) {
  ticker_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(progress_interval_)) {
      WakeAll();
    }
  });
}

ChangeLog::~ChangeLog() {
  stop_.Notify();
  ticker_.join();
}

void ChangeLog::Append(int64_t revision, std::vector<LoggedChange> changes) {
  {
    absl::MutexLock lock(&mu_);
    auto entry = std::make_shared<LoggedRevision>();
    entry->revision = revision;
    entry->changes = std::move(changes);
    kept_changes_ += entry->changes.size();
    revisions_.push_back(std::move(entry));
    revision_ = revision;
    while (kept_changes_ > max_changes_ && revisions_.size() > 1) {
      kept_changes_ -= revisions_.front()->changes.size();
      oldest_ = revisions_.front()->revision;
      revisions_.pop_front();
    }
  }
  WakeAll();
}

int64_t ChangeLog::revision() const {
  absl::MutexLock lock(&mu_);
  return revision_;
}

int64_t ChangeLog::oldest() const {
  absl::MutexLock lock(&mu_);
  return oldest_;
}

absl::StatusOr<std::vector<std::shared_ptr<const LoggedRevision>>>
ChangeLog::After(int64_t after, size_t* unread) const {
  absl::MutexLock lock(&mu_);
  if (after < oldest_) {
    return absl::OutOfRangeError(
        absl::StrCat("revision ", after,
                     " is older than this server keeps changes for: "
                     "the oldest to start after is ",
                     oldest_, "; start again with initial_snapshot"));
  }
  std::vector<std::shared_ptr<const LoggedRevision>> out;
  *unread = 0;
  for (const auto& entry : revisions_) {
    if (entry->revision <= after) continue;
    *unread += entry->changes.size();
    out.push_back(entry);
  }
  return out;
}

absl::StatusOr<size_t> ChangeLog::UnreadAfter(int64_t after) const {
  size_t unread = 0;
  absl::MutexLock lock(&mu_);
  if (after < oldest_) {
    return absl::OutOfRangeError(
        absl::StrCat("revision ", after, " is no longer kept"));
  }
  for (const auto& entry : revisions_) {
    if (entry->revision > after) unread += entry->changes.size();
  }
  return unread;
}

void ChangeLog::Subscribe(std::shared_ptr<Waker> waker) {
  absl::MutexLock lock(&mu_);
  wakers_.push_back(std::move(waker));
}

void ChangeLog::Close() {
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  WakeAll();
}

bool ChangeLog::closed() const {
  absl::MutexLock lock(&mu_);
  return closed_;
}

void ChangeLog::WakeAll() {
  std::vector<std::shared_ptr<Waker>> live;
  {
    absl::MutexLock lock(&mu_);
    std::vector<std::weak_ptr<Waker>> kept;
    for (const auto& weak : wakers_) {
      if (auto waker = weak.lock()) {
        live.push_back(waker);
        kept.push_back(weak);
      }
    }
    wakers_ = std::move(kept);
  }
  // Outside the lock: a woken watcher reads the log.
  for (const auto& waker : live) waker->Wake();
}

}  // namespace indicators::rpc
