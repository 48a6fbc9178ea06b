// The change log on its own: what it keeps, what it forgets, and whom it
// wakes.

#include "server/serving/change_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace indicators::rpc {
namespace {

std::vector<LoggedChange> Changes(int n) {
  std::vector<LoggedChange> out(n);
  for (int i = 0; i < n; ++i) out[i].row.indicator_id = "rd_expenditure";
  return out;
}

std::vector<int64_t> RevisionsAfter(const ChangeLog& log, int64_t after,
                                    size_t* unread) {
  auto revisions = log.After(after, unread);
  EXPECT_TRUE(revisions.ok()) << revisions.status();
  std::vector<int64_t> out;
  if (revisions.ok()) {
    for (const auto& r : *revisions) out.push_back(r->revision);
  }
  return out;
}

TEST(ChangeLogTest, KeepsEachRevisionAfterThePositionAsked) {
  ChangeLog log(/*revision=*/5, /*max_changes=*/100, absl::Hours(1));
  EXPECT_EQ(log.revision(), 5);
  EXPECT_EQ(log.oldest(), 5);
  size_t unread = 99;
  EXPECT_TRUE(RevisionsAfter(log, 5, &unread).empty());
  EXPECT_EQ(unread, 0u);
  log.Append(6, Changes(2));
  log.Append(9, Changes(3));
  EXPECT_EQ(log.revision(), 9);
  EXPECT_EQ(RevisionsAfter(log, 5, &unread), (std::vector<int64_t>{6, 9}));
  EXPECT_EQ(unread, 5u);
  EXPECT_EQ(RevisionsAfter(log, 6, &unread), (std::vector<int64_t>{9}));
  EXPECT_EQ(unread, 3u);
  EXPECT_TRUE(RevisionsAfter(log, 9, &unread).empty());
}

TEST(ChangeLogTest, ForgetsTheOldestRevisionsBeyondItsSizeAndSaysSo) {
  ChangeLog log(1, /*max_changes=*/4, absl::Hours(1));
  log.Append(2, Changes(2));
  log.Append(3, Changes(2));
  EXPECT_EQ(log.oldest(), 1);
  log.Append(4, Changes(2));  // 6 kept > 4: revision 2 goes.
  EXPECT_EQ(log.oldest(), 2);
  size_t unread = 0;
  EXPECT_EQ(RevisionsAfter(log, 2, &unread), (std::vector<int64_t>{3, 4}));
  auto too_old = log.After(1, &unread);
  EXPECT_EQ(too_old.status().code(), absl::StatusCode::kOutOfRange);
  // The last revision is kept whatever its size.
  log.Append(5, Changes(10));
  EXPECT_EQ(RevisionsAfter(log, 4, &unread), (std::vector<int64_t>{5}));
  EXPECT_EQ(unread, 10u);
}

TEST(ChangeLogTest, WakesSubscribersOnAppendAndCloseUntilCancelled) {
  ChangeLog log(1, 100, absl::Hours(1));
  std::atomic<int> woken{0};
  auto waker = std::make_shared<Waker>([&] { ++woken; });
  log.Subscribe(waker);
  log.Append(2, Changes(1));
  EXPECT_EQ(woken.load(), 1);
  EXPECT_FALSE(log.closed());
  log.Close();
  EXPECT_TRUE(log.closed());
  EXPECT_EQ(woken.load(), 2);
  waker->Cancel();
  log.Append(3, Changes(1));
  EXPECT_EQ(woken.load(), 2);
}

TEST(ChangeLogTest, TicksForProgressMessages) {
  ChangeLog log(1, 100, absl::Milliseconds(10));
  std::atomic<int> woken{0};
  auto waker = std::make_shared<Waker>([&] { ++woken; });
  log.Subscribe(waker);
  const absl::Time end = absl::Now() + absl::Seconds(10);
  while (woken.load() < 2 && absl::Now() < end) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_GE(woken.load(), 2);
  waker->Cancel();
}

}  // namespace
}  // namespace indicators::rpc
