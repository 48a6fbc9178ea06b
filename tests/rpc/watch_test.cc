// WatchObservations on an in-process server of files: the initial matches,
// then each reload's changes to them (added, revised, withdrawn) under one
// new revision; progress while idle; too old a revision; bad filters; a
// draining server ends watches saying where to resume.

#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "server/rpc/server.h"
#include "tests/testing/test_server.h"

namespace indicators {
namespace {

using client::IndicatorClient;

// A watch running on its own thread, collecting its messages.
class Watcher {
 public:
  Watcher(const IndicatorClient& client, v1::WatchObservationsRequest request) {
    thread_ = std::thread([this, &client, request] {
      absl::Status status = client.WatchObservations(
          request,
          [this](const v1::WatchObservationsResponse& message) {
            absl::MutexLock lock(&mu_);
            messages_.push_back(message);
            return !stop_;
          },
          &cancellation_);
      absl::MutexLock lock(&mu_);
      status_ = status;
      done_ = true;
    });
  }
  // Ends the watch at once, whether or not messages still come.
  ~Watcher() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    cancellation_.Cancel();
    thread_.join();
  }
  // Waits until a message satisfies `found`; returns it.
  template <typename Found>
  std::optional<v1::WatchObservationsResponse> Await(Found found) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        for (size_t i = seen_; i < messages_.size(); ++i) {
          if (found(messages_[i])) {
            seen_ = i + 1;
            return messages_[i];
          }
        }
        if (done_) return std::nullopt;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return std::nullopt;
  }
  std::vector<v1::WatchObservationsResponse> Messages() {
    absl::MutexLock lock(&mu_);
    return messages_;
  }

 private:
  absl::Mutex mu_;
  std::vector<v1::WatchObservationsResponse> messages_;
  size_t seen_ = 0;
  bool stop_ = false;
  bool done_ = false;
  absl::Status status_;
  client::Cancellation cancellation_;
  std::thread thread_;
};

bool Is(v1::WatchEvent event, const v1::WatchObservationsResponse& m) {
  return m.event() == event;
}

class WatchTest : public ::testing::Test {
 protected:
  void Start(size_t max_changes = 100000) {
    testing::TestServerOptions options;
    options.data_dir = data_.dir();
    options.server.watch.progress_interval = absl::Milliseconds(50);
    options.server.watch.max_changes = max_changes;
    server_ = testing::StartTestServer(options);
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<IndicatorClient>(testing::Connect(*server_));
  }
  static v1::WatchObservationsRequest GuangdongRd() {
    v1::WatchObservationsRequest request;
    request.mutable_filter()->add_indicator_ids("rd_expenditure");
    request.mutable_filter()->add_region_codes("CN-GD");
    request.set_progress(true);
    return request;
  }
  void Edit(const std::string& from, const std::string& to) {
    const std::string text = data_.Read("observations.csv");
    ASSERT_TRUE(absl::StrContains(text, from)) << from;
    data_.Write("observations.csv", absl::StrReplaceAll(text, {{from, to}}));
  }

  testing::TempDataset data_;
  std::unique_ptr<rpc::Server> server_;
  std::unique_ptr<IndicatorClient> client_;
};

// A watch that hears nothing (no progress, no change) still ends at once
// when cancelled from another thread, with CANCELLED; one cancelled before
// it starts does not start.
TEST_F(WatchTest, ACancellationEndsASilentWatchAtOnce) {
  Start();
  v1::WatchObservationsRequest silent = GuangdongRd();
  silent.set_progress(false);
  client::Cancellation cancellation;
  std::atomic<int> messages{0};
  absl::Notification ended;
  absl::Status status;
  std::thread watch([&] {
    status = client_->WatchObservations(
        silent,
        [&](const v1::WatchObservationsResponse&) {
          ++messages;
          return true;
        },
        &cancellation);
    ended.Notify();
  });
  absl::SleepFor(absl::Milliseconds(300));  // Open, and nothing to hear.
  EXPECT_FALSE(ended.HasBeenNotified());
  cancellation.Cancel();
  const bool ended_in_time =
      ended.WaitForNotificationWithTimeout(absl::Seconds(5));
  EXPECT_TRUE(ended_in_time) << "the cancelled watch did not end";
  if (!ended_in_time) server_->Drain();  // Ends it, so the thread joins.
  watch.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  EXPECT_EQ(messages, 0);

  client::Cancellation before;
  before.Cancel();
  EXPECT_EQ(client_
                ->WatchObservations(
                    silent, [](const auto&) { return true; }, &before)
                .code(),
            absl::StatusCode::kCancelled);
}

TEST_F(WatchTest, TheMatchesThenEachReloadsChangesUnderOneRevision) {
  Start();
  v1::WatchObservationsRequest request = GuangdongRd();
  request.set_initial_snapshot(true);
  Watcher watcher(*client_, request);
  auto end = watcher.Await(
      [](const auto& m) { return Is(v1::WATCH_EVENT_SNAPSHOT_END, m); });
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->revision(), 1);
  int snapshot_rows = 0;
  for (const auto& m : watcher.Messages()) {
    if (Is(v1::WATCH_EVENT_SNAPSHOT, m)) snapshot_rows += m.changes_size();
  }
  v1::QueryObservationsRequest query;
  *query.mutable_filter() = request.filter();
  query.set_page_size(1000);
  auto rows = client_->QueryObservations(query);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(snapshot_rows, rows->observations_size());

  // One revision, one withdrawal and one addition in Guangdong; one addition
  // elsewhere, which this watcher does not see.
  Edit("rd_expenditure,CN-GD,2023,480.26,exact,final,S13,",
       "rd_expenditure,CN-GD,2023,481,exact,final,S13,");
  Edit("rd_expenditure,CN-GD,2023,460,exact,estimate,SEED,", "#");
  const std::string text = data_.Read("observations.csv");
  std::string without_seed;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!line.empty() && line[0] != '#')
      absl::StrAppend(&without_seed, line, "\n");
  }
  data_.Write("observations.csv",
              without_seed +
                  "rd_expenditure,CN-GD,2031,700,about,estimate,S13,new\n"
                  "rd_expenditure,CN-BJ,2031,300,about,estimate,S13,new\n");
  ASSERT_TRUE(server_->Reload("test").ok());
  auto changes = watcher.Await(
      [](const auto& m) { return Is(v1::WATCH_EVENT_CHANGES, m); });
  ASSERT_TRUE(changes.has_value());
  EXPECT_EQ(changes->revision(), 2);
  std::vector<std::string> seen;
  for (const v1::ObservationChange& c : changes->changes()) {
    EXPECT_EQ(c.revision(), 2);
    seen.push_back(absl::StrCat(
        v1::ChangeKind_Name(c.kind()), " ", c.observation().region_code(), " ",
        c.observation().period(), " ", c.observation().value()));
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"CHANGE_KIND_REVISED CN-GD 2023 481",
                                      "CHANGE_KIND_WITHDRAWN CN-GD 2023 460",
                                      "CHANGE_KIND_ADDED CN-GD 2031 700"}));
  // A reload of the same content is no change: progress stays at 2.
  ASSERT_TRUE(server_->Reload("again").ok());
  auto progress = watcher.Await(
      [](const auto& m) { return Is(v1::WATCH_EVENT_PROGRESS, m); });
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->revision(), 2);
}

// A figure whose note alone changes is revised for its watchers.
TEST_F(WatchTest, ANoteAloneReachesWatchersAsRevised) {
  Start();
  Watcher watcher(*client_, GuangdongRd());
  ASSERT_TRUE(
      watcher
          .Await([](const auto& m) { return Is(v1::WATCH_EVENT_PROGRESS, m); })
          .has_value());
  Edit("rd_expenditure,CN-GD,2023,480.26,exact,final,S13,",
       "rd_expenditure,CN-GD,2023,480.26,exact,final,S13,a new note");
  ASSERT_TRUE(server_->Reload("note").ok());
  auto changes = watcher.Await(
      [](const auto& m) { return Is(v1::WATCH_EVENT_CHANGES, m); });
  ASSERT_TRUE(changes.has_value());
  ASSERT_EQ(changes->changes_size(), 1);
  const v1::ObservationChange& c = changes->changes(0);
  EXPECT_EQ(c.kind(), v1::CHANGE_KIND_REVISED);
  EXPECT_EQ(c.observation().period(), "2023");
  EXPECT_EQ(c.observation().value(), 480.26);
  EXPECT_TRUE(absl::StartsWith(c.observation().note(), "a new note"))
      << c.observation().note();
}

// A derived figure changes with its inputs: a watch that names it sees the
// change; a watch of everything (published figures only) does not.
TEST_F(WatchTest, DerivedFiguresAreWatchedWhenNamedOnly) {
  Start();
  v1::WatchObservationsRequest everything;
  everything.set_progress(true);
  v1::WatchObservationsRequest derived;
  derived.mutable_filter()->add_indicator_ids("rd_expenditure_per_fte_derived");
  derived.set_progress(true);
  Watcher all(*client_, everything);
  Watcher named(*client_, derived);
  for (Watcher* w : {&all, &named}) {
    ASSERT_TRUE(w->Await([](const auto& m) {
                   return Is(v1::WATCH_EVENT_PROGRESS, m);
                 }).has_value());
  }
  Edit("rd_expenditure,CN,2023,3335.71,exact,final,S12,",
       "rd_expenditure,CN,2023,3400,exact,final,S12,");
  ASSERT_TRUE(server_->Reload("test").ok());
  auto published =
      all.Await([](const auto& m) { return Is(v1::WATCH_EVENT_CHANGES, m); });
  ASSERT_TRUE(published.has_value());
  ASSERT_EQ(published->changes_size(), 1);
  EXPECT_EQ(published->changes(0).observation().indicator_id(),
            "rd_expenditure");
  auto computed =
      named.Await([](const auto& m) { return Is(v1::WATCH_EVENT_CHANGES, m); });
  ASSERT_TRUE(computed.has_value());
  ASSERT_EQ(computed->changes_size(), 1);
  const v1::ObservationChange& change = computed->changes(0);
  EXPECT_EQ(change.kind(), v1::CHANGE_KIND_REVISED);
  EXPECT_EQ(change.observation().region_code(), "CN");
  EXPECT_EQ(change.observation().period(), "2023");
  EXPECT_TRUE(change.observation().derived());
  EXPECT_DOUBLE_EQ(change.observation().value(), 3400e9 / 7240000);
  EXPECT_EQ(change.observation().derivation().inputs(0).observation().value(),
            3400);
}

TEST_F(WatchTest, TooOldARevisionIsOutOfRangeNamingTheOldest) {
  Start(/*max_changes=*/1);
  Edit("rd_expenditure,CN-GD,2023,480.26,", "rd_expenditure,CN-GD,2023,481,");
  ASSERT_TRUE(server_->Reload("1").ok());
  Edit("rd_expenditure,CN-GD,2023,481,", "rd_expenditure,CN-GD,2023,482,");
  ASSERT_TRUE(server_->Reload("2").ok());
  v1::WatchObservationsRequest request = GuangdongRd();
  request.set_start_revision(1);
  absl::Status status =
      client_->WatchObservations(request, [](const auto&) { return false; });
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
  EXPECT_TRUE(
      absl::StrContains(status.message(), "the oldest to start after is 2"))
      << status;
  // From 2, the change of revision 3 comes.
  request.set_start_revision(2);
  v1::WatchObservationsResponse first;
  status = client_->WatchObservations(request, [&](const auto& m) {
    first = m;
    return false;
  });
  EXPECT_EQ(first.revision(), 3);
  ASSERT_EQ(first.changes_size(), 1);
  EXPECT_EQ(first.changes(0).observation().value(), 482);
}

TEST_F(WatchTest, FiltersThatPickAmongVersionsAreRefused) {
  Start();
  v1::WatchObservationsRequest request = GuangdongRd();
  request.mutable_filter()->set_latest_only(true);
  auto refuse = [&] {
    return client_
        ->WatchObservations(request, [](const auto&) { return false; })
        .code();
  };
  EXPECT_EQ(refuse(), absl::StatusCode::kInvalidArgument);
  request = GuangdongRd();
  request.mutable_filter()->set_source_mode(v1::SOURCE_MODE_PREFERRED);
  EXPECT_EQ(refuse(), absl::StatusCode::kInvalidArgument);
  request = GuangdongRd();
  request.mutable_filter()->add_region_codes("XX");
  EXPECT_EQ(refuse(), absl::StatusCode::kNotFound);
}

TEST_F(WatchTest, ADrainingServerEndsWatchesSayingWhereToResume) {
  Start();
  auto stub = v1::IndicatorService::NewStub(testing::Connect(*server_));
  grpc::ClientContext context;
  auto reader = stub->WatchObservations(&context, GuangdongRd());
  v1::WatchObservationsResponse message;
  ASSERT_TRUE(reader->Read(&message));  // A progress message.
  std::thread drain([&] { server_->Drain(); });
  while (reader->Read(&message)) {
  }
  const grpc::Status status = reader->Finish();
  drain.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(
      absl::StrContains(status.error_message(), "resume with start_revision 1"))
      << status.error_message();
}

}  // namespace
}  // namespace indicators
