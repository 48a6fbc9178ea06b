#include "server/wire/response_budget.h"

#include <malloc.h>

#include <cstddef>
#include <cstdlib>
#include <new>

#include "absl/strings/str_cat.h"

namespace indicators::rpc {
namespace {

// Responses up to this size may use the whole budget; larger ones only
// `kLargeShare` of it.
constexpr size_t kSmallResponse = 16 * 1024;
constexpr double kLargeShare = 0.75;

}  // namespace

// One allocation: this header, then the slice's bytes.
struct ResponseBudget::Block {
  std::shared_ptr<ResponseBudget> budget;
  size_t charged;
};

namespace {
constexpr size_t kHeaderSize =
    (sizeof(ResponseBudget::Block) + alignof(std::max_align_t) - 1) /
    alignof(std::max_align_t) * alignof(std::max_align_t);
}  // namespace

absl::StatusOr<grpc_slice> ResponseBudget::Allocate(size_t size, size_t slack) {
  const size_t charged = size + slack;
  const size_t limit = size <= kSmallResponse
                           ? capacity_
                           : static_cast<size_t>(capacity_ * kLargeShare);
  size_t used = in_use_.load(std::memory_order_relaxed);
  do {
    if (used + charged > limit) {
      flooded_.store(true, std::memory_order_relaxed);
      return absl::ResourceExhaustedError(absl::StrCat(
          "the server holds ", used >> 20,
          " MiB of responses that their callers have not read yet (limit ",
          capacity_ >> 20, " MiB); try again later"));
    }
  } while (!in_use_.compare_exchange_weak(used, used + charged,
                                          std::memory_order_relaxed));
  if (used + charged > capacity_ / 2) {
    flooded_.store(true, std::memory_order_relaxed);
  }
  void* memory = std::malloc(kHeaderSize + charged);
  if (memory == nullptr) {
    Release(charged);
    return absl::ResourceExhaustedError("out of memory for a response");
  }
  new (memory) Block{shared_from_this(), charged};
  return grpc_slice_new_with_user_data(static_cast<char*>(memory) + kHeaderSize,
                                       size, &ResponseBudget::Free, memory);
}

void ResponseBudget::Free(void* memory) {
  Block* block = static_cast<Block*>(memory);
  std::shared_ptr<ResponseBudget> budget = std::move(block->budget);
  const size_t charged = block->charged;
  block->~Block();
  std::free(memory);
  budget->Release(charged);
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
