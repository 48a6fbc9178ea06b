// The blocking executor on its own: bounded threads, a bounded queue that
// refuses at once when full, and every queued task run before it goes.

#include "server/rpc/blocking_executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"

namespace indicators::rpc {
namespace {

TEST(BlockingExecutorTest, AFullQueueRefusesAtOnceAndQueuedTasksAllRun) {
  std::atomic<int> ran{0};
  absl::Notification release;
  {
    BlockingExecutor executor(/*threads=*/2, /*max_queued=*/3);
    std::atomic<int> started{0};
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(executor.TrySchedule([&] {
        ++started;
        release.WaitForNotification();
        ++ran;
      }));
    }
    while (started.load() < 2) absl::SleepFor(absl::Milliseconds(1));
    // Both threads are busy: three tasks may wait, the fourth is refused.
    for (int i = 0; i < 3; ++i) {
      EXPECT_TRUE(executor.TrySchedule([&] { ++ran; }));
    }
    EXPECT_FALSE(executor.TrySchedule([&] { ran += 100; }));
    EXPECT_EQ(ran.load(), 0);
    release.Notify();
  }  // The destructor runs what is queued, then joins.
  EXPECT_EQ(ran.load(), 5);
}

TEST(BlockingExecutorTest, RunsAtMostItsThreadsAtOnce) {
  std::atomic<int> running{0}, most{0}, done{0};
  {
    BlockingExecutor executor(/*threads=*/3, /*max_queued=*/100);
    for (int i = 0; i < 30; ++i) {
      ASSERT_TRUE(executor.TrySchedule([&] {
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        absl::SleepFor(absl::Milliseconds(2));
        --running;
        ++done;
      }));
    }
  }
  EXPECT_EQ(done.load(), 30);
  EXPECT_LE(most.load(), 3);
  EXPECT_GE(most.load(), 1);
}

}  // namespace
}  // namespace indicators::rpc
