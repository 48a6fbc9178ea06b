#include "server/rpc/watch_source.h"

#include <grpcpp/support/slice.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"
#include "server/core/base/status_macros.h"
#include "server/wire/convert.h"

namespace indicators::rpc {

WatchSource::WatchSource(std::shared_ptr<ChangeLog> log, WatchFilter filter,
                         int64_t start,
                         std::shared_ptr<const Snapshot> snapshot,
                         std::optional<ObservationStream> initial,
                         bool progress, size_t batch_size)
    : log_(std::move(log)),
      filter_(std::move(filter)),
      progress_(progress),
      batch_size_(batch_size),
      position_(start),
      snapshot_(std::move(snapshot)),
      initial_(std::move(initial)),
      last_sent_(absl::Now()) {}

void WatchSource::CallWhenReady(std::function<void()> ready) {
  waker_ = std::make_shared<Waker>([this, ready = std::move(ready)] {
    NoteIfBehind();
    ready();
  });
  log_->Subscribe(waker_);
}

void WatchSource::NoteIfBehind() {
  absl::MutexLock lock(&mu_);
  if (!caught_up_ || !behind_.ok()) return;
  const absl::StatusOr<size_t> unread = log_->UnreadAfter(position_);
  if (unread.ok() && !TooFarBehind(*unread)) return;
  behind_ = BehindError(unread.ok() ? *unread : log_->max_changes());
  pending_.clear();
  next_change_ = 0;
}

bool WatchSource::TooFarBehind(size_t unread) const {
  return unread > std::max<size_t>(log_->max_changes() / 2, 1);
}

absl::Status WatchSource::BehindError(size_t unread) const {
  return absl::AbortedError(absl::StrCat("the watcher fell ", unread,
                                         " changes behind; resume with "
                                         "start_revision ",
                                         position_));
}

void WatchSource::StopCalling() {
  if (waker_ != nullptr) waker_->Cancel();
}

void WatchSource::Encode(v1::WatchEvent event,
                         const std::vector<const std::string*>& changes,
                         int64_t revision, grpc::ByteBuffer* message,
                         bool partial) {
  // The changes are already encoded: the message is written around them
  // (field numbers from the generated code), not parsed and encoded again.
  using Response = v1::WatchObservationsResponse;
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    if (event != v1::WATCH_EVENT_UNSPECIFIED) {
      google::protobuf::internal::WireFormatLite::WriteEnum(
          Response::kEventFieldNumber, event, &out);
    }
    for (const std::string* change : changes) {
      google::protobuf::internal::WireFormatLite::WriteBytes(
          Response::kChangesFieldNumber, *change, &out);
    }
    if (revision != 0) {
      google::protobuf::internal::WireFormatLite::WriteInt64(
          Response::kRevisionFieldNumber, revision, &out);
    }
    if (partial) {
      google::protobuf::internal::WireFormatLite::WriteBool(
          Response::kPartialFieldNumber, true, &out);
    }
  }
  grpc::Slice slice(std::move(bytes));
  *message = grpc::ByteBuffer(&slice, 1);
}

absl::StatusOr<MessageSource::Pull> WatchSource::Next(
    grpc::ByteBuffer* message) {
  absl::MutexLock lock(&mu_);
  if (!behind_.ok()) return behind_;
  if (initial_.has_value()) return NextInitial(message);
  ASSIGN_OR_RETURN(const bool changes, NextChanges(message));
  if (changes) return Pull::kMessage;
  return NextIdle(message);
}

MessageSource::Pull WatchSource::NextInitial(grpc::ByteBuffer* message) {
  std::vector<uint32_t> rows;
  if (initial_->Next(batch_size_, &rows)) {
    std::vector<std::string> encoded;
    for (uint32_t row : rows) {
      v1::ObservationChange change;
      change.set_kind(v1::CHANGE_KIND_ADDED);
      ToProto(*snapshot_->core->dataset(), row, change.mutable_observation());
      change.set_revision(position_);
      encoded.push_back(change.SerializeAsString());
    }
    std::vector<const std::string*> views;
    for (const std::string& e : encoded) views.push_back(&e);
    // Not a position to resume from until the marker.
    Encode(v1::WATCH_EVENT_SNAPSHOT, views, 0, message);
    return Pull::kMessage;
  }
  initial_.reset();
  snapshot_.reset();
  Encode(v1::WATCH_EVENT_SNAPSHOT_END, {}, position_, message);
  last_sent_ = absl::Now();
  return Pull::kMessage;
}

absl::StatusOr<bool> WatchSource::NextChanges(grpc::ByteBuffer* message) {
  while (true) {
    if (pending_.empty()) {
      size_t unread = 0;
      absl::StatusOr<std::vector<std::shared_ptr<const LoggedRevision>>> after =
          log_->After(position_, &unread);
      if (!after.ok()) return after.status();
      // A watch that keeps falling behind while it runs is ended before its
      // position drops out of the log; a watch that has just started (or
      // resumed) gets its backlog.
      if (sent_any_ && TooFarBehind(unread)) {
        return BehindError(unread);
      }
      pending_.assign(after->begin(), after->end());
      next_change_ = 0;
      if (pending_.empty()) caught_up_ = true;
    }
    if (pending_.empty()) return false;
    const LoggedRevision& entry = *pending_.front();
    std::vector<const std::string*> batch;
    while (next_change_ < entry.changes.size() && batch.size() < batch_size_) {
      const LoggedChange& change = entry.changes[next_change_++];
      if (filter_.Matches(change.row)) batch.push_back(&change.encoded);
    }
    const bool last = next_change_ == entry.changes.size();
    if (batch.empty() && last) {
      // Nothing of this revision matches: move past it silently.
      position_ = entry.revision;
      pending_.pop_front();
      next_change_ = 0;
      continue;
    }
    if (batch.empty()) continue;
    // A revision's earlier messages leave the position before it, so that
    // a watcher that resumes gets the whole revision again, never half.
    Encode(v1::WATCH_EVENT_CHANGES, batch, last ? entry.revision : position_,
           message, /*partial=*/!last);
    if (last) {
      position_ = entry.revision;
      pending_.pop_front();
      next_change_ = 0;
    }
    last_sent_ = absl::Now();
    sent_any_ = true;
    return true;
  }
}

absl::StatusOr<MessageSource::Pull> WatchSource::NextIdle(
    grpc::ByteBuffer* message) {
  if (log_->closed()) {
    return absl::UnavailableError(
        absl::StrCat("the server is shutting down; resume with start_revision ",
                     position_, " on another"));
  }
  if (progress_ && absl::Now() - last_sent_ >= log_->progress_interval()) {
    Encode(v1::WATCH_EVENT_PROGRESS, {}, position_, message);
    last_sent_ = absl::Now();
    return Pull::kMessage;
  }
  return Pull::kLater;
}

}  // namespace indicators::rpc
