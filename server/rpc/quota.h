#ifndef INDICATORS_SERVER_RPC_QUOTA_H_
#define INDICATORS_SERVER_RPC_QUOTA_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace indicators::rpc {

// A caller's limits on this server (a cluster of N replicas allows N times
// as much): calls per second, with bursts of up to one second's worth (a
// token bucket), and streams open at once. 0 is no limit.
struct QuotaLimits {
  double requests_per_second = 0;
  int streams = 0;
  bool unlimited() const { return requests_per_second <= 0 && streams <= 0; }
};

// Whom a call is counted against: a token ("token:" and the first 12 hex
// digits of its SHA-256) or, for a call without one, the client's address
// ("address:192.0.2.1"); with the limits that apply.
struct QuotaSubject {
  std::string key;
  QuotaLimits limits;
};

// Counts each subject's calls and open streams, and refuses those over its
// limits. One mutex and one hash lookup per limited call; calls of a subject
// without limits are not counted. Subjects idle for a minute with no stream
// open are forgotten.
class Quotas {
 public:
  // A stream's place in its subject's count, given back when destroyed.
  class StreamTicket {
   public:
    StreamTicket() = default;
    StreamTicket(StreamTicket&& other) noexcept { *this = std::move(other); }
    StreamTicket& operator=(StreamTicket&& other) noexcept;
    ~StreamTicket();

   private:
    friend class Quotas;
    Quotas* quotas_ = nullptr;
    std::string key_;
  };

  Quotas() = default;
  Quotas(const Quotas&) = delete;
  Quotas& operator=(const Quotas&) = delete;

  // Admits one call of `subject` (a stream if `ticket` is not null, which
  // then holds its place until destroyed). Returns OK, or RESOURCE_EXHAUSTED
  // (reason RATE_LIMITED or TOO_MANY_STREAMS) naming the subject, the limit
  // and when to retry: when the next call is allowed, or a second for a
  // stream (nobody knows when one ends).
  absl::Status Admit(const QuotaSubject& subject, StreamTicket* ticket);

 private:
  struct Counts {
    double tokens = 0;  // Calls allowed now (the bucket).
    absl::Time refilled;
    int streams = 0;
    absl::Time used;
  };
  void Release(const std::string& key);
  // Forgets subjects idle for a minute with no stream open.
  void Sweep(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Counts> counts_ ABSL_GUARDED_BY(mu_);
  absl::Time swept_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_QUOTA_H_
