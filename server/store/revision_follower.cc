#include "server/store/revision_follower.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/core/base/status_macros.h"
#include "server/store/conninfo.h"
#include "server/store/pg_status.h"
#include "server/store/postgres_store.h"

namespace indicators::store {
namespace {

constexpr const char kChannel[] = "indicators_dataset";
constexpr absl::Duration kWaitSlice = absl::Milliseconds(100);

// Notes that a notification arrived; its payload is only a hint.
class Listener final : public pqxx::notification_receiver {
 public:
  explicit Listener(pqxx::connection& connection)
      : pqxx::notification_receiver(connection, kChannel) {}
  void operator()(const std::string&, int) override { notified = true; }
  bool notified = false;
};

// One connection with its LISTEN; the listener goes before the connection.
struct Session {
  explicit Session(const RevisionFollower::Options& options)
      : connection(WithTimeLimits(options.conninfo)) {
    pqxx::nontransaction(connection)
        .exec0("SET application_name = " +
               connection.quote(options.application_name));
    listener = std::make_unique<Listener>(connection);
  }
  pqxx::connection connection;
  std::unique_ptr<Listener> listener;
};

}  // namespace

RevisionFollower::RevisionFollower(Options options, int64_t served_revision,
                                   Callbacks callbacks)
    : options_(std::move(options)),
      callbacks_(std::move(callbacks)),
      handled_revision_(served_revision),
      thread_([this] { Run(); }) {}

RevisionFollower::~RevisionFollower() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

bool RevisionFollower::SleepUnlessStopped(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stop_), timeout);
  return stop_;
}

void RevisionFollower::Run() {
  std::unique_ptr<Session> session;
  std::optional<absl::Time> stale_since;
  absl::Duration backoff = options_.initial_backoff;
  while (!SleepUnlessStopped(absl::ZeroDuration())) {
    const absl::Status followed = Guarded("follow the revision", [&] {
      if (session == nullptr) session = std::make_unique<Session>(options_);
      // Cleared before reading, so a change committed after the read is
      // still noticed by the wait below.
      session->listener->notified = false;
      ASSIGN_OR_RETURN(const int64_t revision,
                       ReadRevision(session->connection));
      if (stale_since.has_value()) {
        std::fprintf(stderr, "database reachable again; stale since %s\n",
                     absl::FormatTime(*stale_since).c_str());
        stale_since.reset();
        callbacks_.set_stale(std::nullopt);
      }
      if (revision != handled_revision_) {
        const absl::Status loaded = callbacks_.load(revision);
        if (absl::IsUnavailable(loaded)) return loaded;
        handled_revision_ = revision;
      }
      // Wait for a notification or the poll interval, in slices so that a
      // stop is seen promptly.
      const absl::Time poll_at = absl::Now() + options_.poll_interval;
      while (!session->listener->notified && absl::Now() < poll_at) {
        if (SleepUnlessStopped(absl::ZeroDuration())) break;
        const absl::Duration wait = std::min(kWaitSlice, poll_at - absl::Now());
        session->connection.await_notification(
            0, std::max<long>(1, absl::ToInt64Microseconds(wait)));
      }
      return absl::OkStatus();
    });
    if (followed.ok()) {
      backoff = options_.initial_backoff;
      continue;
    }
    session.reset();
    if (!stale_since.has_value()) {
      stale_since = absl::Now();
      callbacks_.set_stale(stale_since);
      std::fprintf(stderr,
                   "cannot follow the dataset revision (%s); serving the "
                   "last snapshot, stale since %s\n",
                   followed.ToString().c_str(),
                   absl::FormatTime(*stale_since).c_str());
    }
    if (SleepUnlessStopped(backoff)) break;
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

}  // namespace indicators::store
