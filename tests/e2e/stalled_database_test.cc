// A server of a database whose every PostgreSQL process is stopped
// (SIGSTOP): reads from the snapshot go on being answered within their
// deadlines, while the calls that need the database end by their deadline or
// at once as RESOURCE_EXHAUSTED, never holding the callback threads; once the
// database goes on, so do they.

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "server/core/base/sha256.h"
#include "tests/testing/served_database.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/temp_postgres.h"

namespace indicators::testing {
namespace {

using client::ClientOptions;
using client::IndicatorClient;

constexpr int kBlockingThreads = 2;
constexpr int kBlockingQueue = 3;
constexpr char kWriteToken[] = "stalled-database-test-write-token";

class StalledDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(postgres_.ok()) << postgres_.error();
    db_ = postgres_.CreateDatabase();
    const absl::Status stored =
        MigrateAndImport(ADMIN_BINARY, db_, TestDataDir());
    ASSERT_TRUE(stored.ok()) << stored;
    scratch_.Write("tokens", Sha256Hex(kWriteToken) + " write\n");
    address_ = StartServerProcess(
        {SERVER_BINARY, "--listen=127.0.0.1:0", "--database=" + db_,
         "--poll_interval=200ms", "--tokens_file=" + scratch_.dir() + "/tokens",
         absl::StrCat("--blocking_threads=", kBlockingThreads),
         absl::StrCat("--max_blocking_queue=", kBlockingQueue)},
        &server_);
    ASSERT_FALSE(address_.empty()) << server_->output();
  }

  void TearDown() override { postgres_.Thaw(); }

  IndicatorClient Client(absl::Duration deadline) {
    ClientOptions options;
    options.deadline = deadline;
    options.service_config = ClientOptions::ServiceConfig::kNone;
    options.bearer_token = kWriteToken;
    return IndicatorClient::Connect(address_, options);
  }

  TempPostgres postgres_;
  TempDataset scratch_;
  std::string db_;
  std::unique_ptr<Subprocess> server_;
  std::string address_;
};

// Reads the snapshot for `duration`, one call after the other, each with a
// deadline of 500 ms; returns how many succeeded and sets `failed`.
int ReadFor(IndicatorClient& client, absl::Duration duration, int* failed) {
  v1::QueryObservationsRequest query;
  query.mutable_filter()->add_indicator_ids("rd_expenditure");
  int ok = 0;
  const absl::Time end = absl::Now() + duration;
  while (absl::Now() < end) {
    auto page = client.QueryObservations(query);
    auto indicator = client.GetIndicator("rd_expenditure");
    if (page.ok() && !page->observations().empty() && indicator.ok()) {
      ++ok;
    } else {
      ++*failed;
      ADD_FAILURE() << (page.ok() ? indicator.status() : page.status());
    }
  }
  return ok;
}

TEST_F(StalledDatabaseTest, ReadsGoOnAndDatabaseCallsEndByTheirDeadline) {
  IndicatorClient reader = Client(absl::Milliseconds(500));
  ASSERT_TRUE(Client(absl::Seconds(10))
                  .GetObservationHistory("rd_expenditure", "CN-GD", "2023")
                  .ok());
  int failed = 0;
  const int before = ReadFor(reader, absl::Seconds(1), &failed);

  ASSERT_TRUE(postgres_.Freeze());
  // More history calls than threads and queue places: the first ones wait on
  // the stopped database, the next ones wait for a thread, the rest are
  // refused at once.
  constexpr int kCalls = kBlockingThreads + kBlockingQueue + 3;
  const absl::Duration deadline = absl::Seconds(1);
  std::vector<absl::StatusCode> codes(kCalls);
  std::vector<absl::Duration> took(kCalls);
  std::vector<std::thread> callers;
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      const absl::Time start = absl::Now();
      auto history = Client(deadline).GetObservationHistory("rd_expenditure",
                                                            "CN-GD", "2023");
      codes[i] = history.status().code();
      took[i] = absl::Now() - start;
    });
    absl::SleepFor(absl::Milliseconds(20));
  }
  const int during = ReadFor(reader, absl::Seconds(2), &failed);
  for (std::thread& caller : callers) caller.join();
  v1::IngestObservationsRequest batch;
  v1::Observation* o = batch.add_observations();
  o->set_indicator_id("rd_expenditure");
  o->set_region_code("CN-GD");
  o->set_period("2101");
  o->set_value(1);
  o->set_qualifier(v1::QUALIFIER_EXACT);
  o->set_status(v1::OBSERVATION_STATUS_FINAL);
  o->add_source_ids("S13");
  const absl::StatusCode ingest =
      Client(deadline).IngestObservations(batch).status().code();
  const int after_ingest = ReadFor(reader, absl::Milliseconds(500), &failed);

  std::cout << "reads per second: " << before << " before, " << during / 2
            << " while the database is stopped\n";
  EXPECT_EQ(failed, 0);
  EXPECT_GT(during, 0);
  EXPECT_GT(after_ingest, 0);
  int refused = 0;
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_TRUE(codes[i] == absl::StatusCode::kDeadlineExceeded ||
                codes[i] == absl::StatusCode::kResourceExhausted)
        << "call " << i << ": " << absl::StatusCodeToString(codes[i]);
    EXPECT_LT(took[i], deadline + absl::Milliseconds(500)) << "call " << i;
    refused += codes[i] == absl::StatusCode::kResourceExhausted;
  }
  EXPECT_GE(refused, 1) << "a full queue answers RESOURCE_EXHAUSTED";
  EXPECT_TRUE(ingest == absl::StatusCode::kDeadlineExceeded ||
              ingest == absl::StatusCode::kResourceExhausted ||
              ingest == absl::StatusCode::kUnavailable)
      << absl::StatusCodeToString(ingest);

  ASSERT_TRUE(postgres_.Thaw());
  absl::Status history = absl::UnknownError("not tried");
  for (const absl::Time end = absl::Now() + absl::Seconds(20);
       !history.ok() && absl::Now() < end;) {
    history = Client(absl::Seconds(5))
                  .GetObservationHistory("rd_expenditure", "CN-GD", "2023")
                  .status();
    if (!history.ok()) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(history.ok()) << history;
}

}  // namespace
}  // namespace indicators::testing
