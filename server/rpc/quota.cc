#include "server/rpc/quota.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/core/base/errors.h"

namespace indicators::rpc {

Quotas::StreamTicket& Quotas::StreamTicket::operator=(
    StreamTicket&& other) noexcept {
  if (this != &other) {
    if (quotas_ != nullptr) quotas_->Release(key_);
    quotas_ = std::exchange(other.quotas_, nullptr);
    key_ = std::move(other.key_);
  }
  return *this;
}

Quotas::StreamTicket::~StreamTicket() {
  if (quotas_ != nullptr) quotas_->Release(key_);
}

absl::Status Quotas::Admit(const QuotaSubject& subject, StreamTicket* ticket) {
  const QuotaLimits& limits = subject.limits;
  if (limits.unlimited()) return absl::OkStatus();
  const absl::Time now = absl::Now();
  absl::MutexLock lock(&mu_);
  if (now - swept_ > absl::Minutes(1)) Sweep(now);
  auto [it, added] = counts_.try_emplace(subject.key);
  Counts& counts = it->second;
  counts.used = now;
  if (limits.requests_per_second > 0) {
    const double burst = std::max(1.0, limits.requests_per_second);
    counts.tokens =
        added
            ? burst
            : std::min(burst, counts.tokens +
                                  absl::ToDoubleSeconds(now - counts.refilled) *
                                      limits.requests_per_second);
    counts.refilled = now;
    if (counts.tokens < 1) {
      return QuotaError(
          reason::kRateLimited,
          {subject.key,
           absl::StrCat("at most ", limits.requests_per_second,
                        " calls per second"),
           absl::Seconds((1 - counts.tokens) / limits.requests_per_second)});
    }
  }
  if (ticket != nullptr && limits.streams > 0 &&
      counts.streams >= limits.streams) {
    return QuotaError(
        reason::kTooManyStreams,
        {subject.key,
         absl::StrCat("at most ", limits.streams, " streams open at once"),
         absl::Seconds(1)});
  }
  if (limits.requests_per_second > 0) counts.tokens -= 1;
  if (ticket != nullptr) {
    ++counts.streams;
    *ticket = StreamTicket();
    ticket->quotas_ = this;
    ticket->key_ = subject.key;
  }
  return absl::OkStatus();
}

void Quotas::Release(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = counts_.find(key);
  if (it != counts_.end() && it->second.streams > 0) --it->second.streams;
}

void Quotas::Sweep(absl::Time now) {
  swept_ = now;
  absl::erase_if(counts_, [now](const auto& entry) {
    return entry.second.streams == 0 &&
           now - entry.second.used > absl::Minutes(1);
  });
}

}  // namespace indicators::rpc
