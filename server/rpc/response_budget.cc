#include "server/rpc/response_budget.h"

#include <malloc.h>

#include "absl/strings/str_cat.h"

namespace indicators::rpc {
namespace {

// Responses up to this size may use the whole budget; larger ones only
// `kLargeShare` of it.
constexpr size_t kSmallResponse = 16 * 1024;
constexpr double kLargeShare = 0.75;

}  // namespace

absl::Status ResponseBudget::Acquire(size_t bytes) {
  const size_t limit = bytes <= kSmallResponse
                           ? capacity_
                           : static_cast<size_t>(capacity_ * kLargeShare);
  size_t used = in_use_.load(std::memory_order_relaxed);
  do {
    if (used + bytes > limit) {
      flooded_.store(true, std::memory_order_relaxed);
      return absl::ResourceExhaustedError(
          absl::StrCat("the server holds ", used >> 20,
                       " MiB of responses that their "
                       "callers have not read yet (limit ",
                       capacity_ >> 20, " MiB); try again later"));
    }
  } while (!in_use_.compare_exchange_weak(used, used + bytes,
                                          std::memory_order_relaxed));
  if (used + bytes > capacity_ / 2) {
    flooded_.store(true, std::memory_order_relaxed);
  }
  return absl::OkStatus();
}

void ResponseBudget::Release(size_t bytes) {
  const size_t before = in_use_.fetch_sub(bytes, std::memory_order_relaxed);
  // After a flood, the freed responses sit in the allocator's free lists;
  // hand them back to the system once use is low again.
  if (before - bytes < capacity_ / 16 &&
      flooded_.exchange(false, std::memory_order_relaxed)) {
    malloc_trim(0);
  }
}

}  // namespace indicators::rpc
