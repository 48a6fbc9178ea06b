// Ingest through the built server on a real PostgreSQL: batches acknowledged
// while the server is killed with SIGKILL at random moments are all stored,
// each exactly once and whole; the server answers with the batch served.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "server/core/base/sha256.h"
#include "tests/testing/served_database.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/temp_postgres.h"

namespace indicators::testing {
namespace {

using client::ClientOptions;
using client::IndicatorClient;

constexpr char kWriteToken[] = "ingest-test-write-token";

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(postgres_.ok()) << postgres_.error();
    db_ = postgres_.CreateDatabase();
    const absl::Status stored =
        MigrateAndImport(ADMIN_BINARY, db_, TestDataDir());
    ASSERT_TRUE(stored.ok()) << stored;
    scratch_.Write("tokens", Sha256Hex(kWriteToken) + " write\n");
  }

  // Starts (or restarts) the server; returns its address.
  std::string StartServer() { return StartReplica(&server_); }

  // Starts a server of the database in `process` with `extra` flags;
  // returns its address.
  std::string StartReplica(std::unique_ptr<Subprocess>* process,
                           std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {
        SERVER_BINARY, "--listen=127.0.0.1:0", "--database=" + db_,
        "--tokens_file=" + scratch_.dir() + "/tokens", "--poll_interval=200ms"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return StartServerProcess(argv, process);
  }

  IndicatorClient Writer(const std::string& address) {
    ClientOptions options;
    options.bearer_token = kWriteToken;
    options.deadline = absl::Seconds(5);
    return IndicatorClient::Connect(address, options);
  }

  // Batch `k`: three new figures, noted "batch k", with an idempotency key.
  static v1::IngestObservationsRequest Batch(int k) {
    v1::IngestObservationsRequest request;
    request.set_idempotency_key(absl::StrCat("kill-test-", k));
    for (const char* region : {"CN-GD", "CN-BJ", "CN-SH"}) {
      v1::Observation* o = request.add_observations();
      o->set_indicator_id("rd_expenditure");
      o->set_region_code(region);
      o->set_period(absl::StrCat(2100 + k));
      o->set_value(100 + k + 0.25);
      o->set_qualifier(v1::QUALIFIER_EXACT);
      o->set_status(v1::OBSERVATION_STATUS_FINAL);
      o->add_source_ids("S13");
      o->set_note(absl::StrCat("batch ", k));
    }
    return request;
  }

  TempPostgres postgres_;
  TempDataset scratch_;
  std::string db_;
  std::unique_ptr<Subprocess> server_;
};

TEST_F(IngestTest, TheAnswerComesWithTheBatchServedAndARetryIsReplayed) {
  const std::string address = StartServer();
  ASSERT_FALSE(address.empty()) << server_->output();
  IndicatorClient writer = Writer(address);
  auto first = writer.IngestObservations(Batch(0));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->added(), 3);
  EXPECT_FALSE(first->replayed());
  // This server already serves the batch, at the answer's revision.
  auto info = writer.GetDatasetInfo();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->dataset().revision(), first->revision());
  EXPECT_EQ(info->dataset().version(), first->dataset_version());
  v1::QueryObservationsRequest query;
  query.mutable_filter()->set_start_period("2100");
  query.mutable_filter()->set_end_period("2100");
  auto rows = writer.QueryObservations(query);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->observations_size(), 3);
  auto retry = writer.IngestObservations(Batch(0));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->replayed());
  EXPECT_EQ(retry->revision(), first->revision());
  // One bad row: the whole batch is refused, naming it.
  v1::IngestObservationsRequest bad = Batch(1);
  bad.mutable_observations(2)->set_period("2101-13");
  auto refused = writer.IngestObservations(bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  auto violations = client::BadRequestOf(refused.status());
  ASSERT_TRUE(violations.has_value()) << refused.status();
  ASSERT_EQ(violations->field_violations_size(), 1);
  EXPECT_EQ(violations->field_violations(0).field(), "observations[2].period");
  EXPECT_EQ(postgres_.Psql(db_,
                           "SELECT count(*) FROM observations WHERE "
                           "note = 'batch 1'"),
            "0");
}

// With a database too, a history lists the values oldest first by the day
// their sources made them known, undated values last, whatever the order
// they were recorded in; a value revised later stays beside its successor.
// A batch of the most items, every one of them bad, is refused as itself
// (INVALID_ARGUMENT naming the first problems and how many more), not as
// RESOURCE_EXHAUSTED because its details outgrew the client's 8 KiB
// metadata limit.
TEST_F(IngestTest, ABatchOfManyBadItemsIsRefusedWithDetailsThatFit) {
  // The batch is about 0.5 MB.
  const std::string address =
      StartReplica(&server_, {"--max_request_bytes=2000000"});
  ASSERT_FALSE(address.empty()) << server_->output();
  v1::IngestObservationsRequest request;
  for (int i = 0; i < 10000; ++i) {
    v1::Observation* o = request.add_observations();
    o->set_indicator_id("rd_expenditure");
    o->set_region_code("CN-GD");
    o->set_period(absl::StrCat("2023-", 13 + i % 80));  // No such month.
    o->set_value(1);
    o->set_qualifier(v1::QUALIFIER_EXACT);
    o->set_status(v1::OBSERVATION_STATUS_FINAL);
    o->add_source_ids("S13");
  }
  const absl::Status refused =
      Writer(address).IngestObservations(request).status();
  ASSERT_EQ(refused.code(), absl::StatusCode::kInvalidArgument) << refused;
  EXPECT_NE(refused.message().find("observations[0].period"), std::string::npos)
      << refused.message();
  std::optional<google::rpc::BadRequest> bad = client::BadRequestOf(refused);
  ASSERT_TRUE(bad.has_value());
  ASSERT_GT(bad->field_violations_size(), 10);
  ASSERT_LT(bad->field_violations_size(), 10000);
  const auto& last = bad->field_violations(bad->field_violations_size() - 1);
  EXPECT_EQ(last.field(), "request");
  EXPECT_NE(last.description().find("more problems not listed"),
            std::string::npos)
      << last.description();
}

TEST_F(IngestTest, TheHistoryListsUndatedValuesLastOldestFirst) {
  const std::string address = StartServer();
  ASSERT_FALSE(address.empty()) << server_->output();
  IndicatorClient writer = Writer(address);
  auto figure = [](v1::IngestObservationsRequest* request, double value,
                   v1::Qualifier qualifier, v1::ObservationStatus status,
                   const std::string& source) {
    v1::Observation* o = request->add_observations();
    o->set_indicator_id("rd_expenditure");
    o->set_region_code("CN-GD");
    o->set_period("2031");
    o->set_value(value);
    o->set_qualifier(qualifier);
    o->set_status(status);
    o->add_source_ids(source);
  };
  v1::IngestObservationsRequest first;
  for (const auto& [id, published] :
       std::vector<std::pair<std::string, std::string>>{
           {"ZUND", ""}, {"ZOLD", "2031-03-01"}, {"ZNEW", "2032-05-01"}}) {
    v1::Source* source = first.add_sources();
    source->set_id(id);
    source->set_publisher("Pub");
    source->set_title(id);
    source->set_published(published);
    source->set_reliability(v1::SOURCE_RELIABILITY_NEWS);
  }
  // Recorded undated first, the newest next, the oldest last.
  figure(&first, 3, v1::QUALIFIER_ABOUT, v1::OBSERVATION_STATUS_ESTIMATE,
         "ZUND");
  figure(&first, 2, v1::QUALIFIER_EXACT, v1::OBSERVATION_STATUS_FINAL, "ZNEW");
  figure(&first, 1, v1::QUALIFIER_ABOUT, v1::OBSERVATION_STATUS_PRELIMINARY,
         "ZOLD");
  ASSERT_TRUE(writer.IngestObservations(first).ok());
  v1::IngestObservationsRequest revise;  // The oldest source's value revised.
  figure(&revise, 1.5, v1::QUALIFIER_EXACT, v1::OBSERVATION_STATUS_FINAL,
         "ZOLD");
  auto revised = writer.IngestObservations(revise);
  ASSERT_TRUE(revised.ok()) << revised.status();
  ASSERT_EQ(revised->revised(), 1);

  auto history =
      writer.GetObservationHistory("rd_expenditure", "CN-GD", "2031");
  ASSERT_TRUE(history.ok()) << history.status();
  std::vector<std::string> order;
  for (const v1::ObservationVintage& v : history->vintages()) {
    order.push_back(absl::StrCat(v.observation().source_ids(0), " ",
                                 v.observation().value()));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"ZOLD 1", "ZOLD 1.5", "ZNEW 2",
                                             "ZUND 3"}));
}

// With a database the history of a figure has every value ever recorded:
// the revised one too, with when and in which revision each was recorded
// and superseded.
TEST_F(IngestTest, TheHistoryKeepsARevisedValueWithWhenItWasRecorded) {
  const std::string address = StartServer();
  ASSERT_FALSE(address.empty()) << server_->output();
  IndicatorClient writer = Writer(address);
  v1::IngestObservationsRequest revise;
  v1::Observation* o = revise.add_observations();
  o->set_indicator_id("rd_expenditure");
  o->set_region_code("CN-GD");
  o->set_period("2023");
  o->set_value(481.5);
  o->set_qualifier(v1::QUALIFIER_EXACT);
  o->set_status(v1::OBSERVATION_STATUS_FINAL);
  o->add_source_ids("S13");
  const absl::Time before = absl::Now();
  auto answer = writer.IngestObservations(revise);
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_EQ(answer->revised(), 1);
  auto history =
      writer.GetObservationHistory("rd_expenditure", "CN-GD", "2023");
  ASSERT_TRUE(history.ok()) << history.status();
  int old_at = -1, new_at = -1;
  for (int i = 0; i < history->vintages_size(); ++i) {
    const v1::ObservationVintage& v = history->vintages(i);
    EXPECT_TRUE(v.has_recorded_at()) << i;
    if (v.observation().source_ids_size() != 1 ||
        v.observation().source_ids(0) != "S13") {
      continue;
    }
    if (v.observation().value() == 480.26) {
      old_at = i;
      EXPECT_EQ(v.superseded_in(), answer->revision());
      EXPECT_FALSE(v.withdrawn());
      EXPECT_EQ(v.recorded_in(), 0);  // Imported.
      EXPECT_EQ(v.observation().unit(), "CNY");
    } else if (v.observation().value() == 481.5) {
      new_at = i;
      EXPECT_EQ(v.superseded_in(), 0);
      EXPECT_EQ(v.recorded_in(), answer->revision());
      EXPECT_GE(v.recorded_at().seconds(), absl::ToUnixSeconds(before) - 1);
    }
  }
  ASSERT_GE(old_at, 0) << history->DebugString();
  ASSERT_GE(new_at, 0) << history->DebugString();
  EXPECT_LT(old_at, new_at);  // Oldest first.
}

TEST_F(IngestTest, TheCliIngestsACsvFileInTheBundledLayout) {
  const std::string address = StartServer();
  ASSERT_FALSE(address.empty()) << server_->output();
  scratch_.Write("token", kWriteToken);
  scratch_.Write("new.csv",
                 "indicator_id,region_code,period,value,qualifier,status,"
                 "source_ids,note\n"
                 "rd_expenditure,CN-GD,2030,700.5,about,estimate,ZCLI,"
                 "\"from the CLI, quoted\"\n"
                 "rd_expenditure,CN-BJ,2030,300,exact,final,S13;ZCLI,\n");
  scratch_.Write("new_sources.csv",
                 "source_id,publisher,title,published,url,reliability,note\n"
                 "ZCLI,A publisher,A title,2030-01-02,,official,\n");
  const std::vector<std::string> ingest = {
      CLIENT_BINARY,
      "--target=" + address,
      "--token_file=" + scratch_.dir() + "/token",
      "--sources_file=" + scratch_.dir() + "/new_sources.csv",
      "--idempotency_key=cli-1",
      "ingest",
      scratch_.dir() + "/new.csv"};
  std::string output;
  ASSERT_EQ(RunCommand(ingest, &output), 0) << output;
  EXPECT_NE(output.find("2 added, 0 revised, 0 withdrawn, 0 unchanged, 1 "
                        "sources added"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("serving dataset "), std::string::npos) << output;
  ASSERT_EQ(RunCommand(ingest, &output), 0) << output;
  EXPECT_NE(output.find("already ingested"), std::string::npos) << output;
  EXPECT_EQ(postgres_.Psql(db_,
                           "SELECT note FROM observations WHERE "
                           "period = '2030' AND region_code = 'CN-GD'"),
            "from the CLI, quoted");
  // A bad row: exit 1, each problem named by its field, nothing stored.
  scratch_.Write("bad.csv",
                 "indicator_id,region_code,period,value,qualifier,status,"
                 "source_ids,note\n"
                 "rd_expenditure,CN-GD,2031,1,exact,final,S13,\n"
                 "rd_expenditure,XX,2031-13,1,exact,final,S13,\n");
  EXPECT_EQ(RunCommand({CLIENT_BINARY, "--target=" + address,
                        "--token_file=" + scratch_.dir() + "/token", "ingest",
                        scratch_.dir() + "/bad.csv"},
                       &output),
            1);
  EXPECT_NE(output.find("observations[1].region_code"), std::string::npos)
      << output;
  EXPECT_NE(output.find("observations[1].period"), std::string::npos) << output;
  EXPECT_EQ(postgres_.Psql(db_,
                           "SELECT count(*) FROM observations WHERE "
                           "period = '2031'"),
            "0");
}

TEST_F(IngestTest, KillingTheServerDuringIngestsLosesNoAcknowledgedBatch) {
  // At least kBatches, and on until the server has been killed kKills times
  // (a faster ingest sees fewer kills in the same number of batches).
  constexpr int kBatches = 50, kMaxBatches = 300, kKills = 5;
  absl::Mutex mu;
  std::string address = StartServer();
  ASSERT_FALSE(address.empty()) << server_->output();
  std::atomic<bool> done{false};
  int kills = 0;
  // Kills the server at random moments and starts it again.
  std::thread killer([&] {
    std::mt19937 random(20261129);
    std::uniform_int_distribution<int> pause_ms(20, 250);
    while (!done) {
      absl::SleepFor(absl::Milliseconds(pause_ms(random)));
      if (done) break;
      absl::MutexLock lock(&mu);
      server_->Signal(SIGKILL);
      server_->Wait(absl::Seconds(10));
      ++kills;
      address = StartServer();
    }
  });
  std::vector<int64_t> acknowledged(kMaxBatches, 0);
  int attempts = 0;
  int batches = 0;
  auto killed_enough = [&] {
    absl::MutexLock lock(&mu);
    return kills >= kKills;
  };
  for (int k = 0; k < kMaxBatches && (k < kBatches || !killed_enough()); ++k) {
    batches = k + 1;
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    while (absl::Now() < give_up) {
      std::string target;
      {
        absl::MutexLock lock(&mu);
        target = address;
      }
      ++attempts;
      auto answer = Writer(target).IngestObservations(Batch(k));
      if (answer.ok()) {
        acknowledged[k] = answer->revision();
        break;
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_GT(acknowledged[k], 0) << "batch " << k << " never acknowledged";
  }
  done = true;
  killer.join();
  std::printf(
      "%d batches acknowledged in %d attempts; server killed %d times\n",
      batches, attempts, kills);
  EXPECT_GE(kills, kKills);

  // Every acknowledged batch is stored exactly once and whole, in the
  // revision it was acknowledged with; no batch is partly stored.
  EXPECT_EQ(postgres_.Psql(db_,
                           "SELECT count(*) FROM (SELECT note FROM "
                           "observations WHERE note LIKE 'batch %' "
                           "GROUP BY note HAVING count(*) <> 3) AS partial"),
            "0");
  EXPECT_EQ(postgres_.Psql(db_,
                           "SELECT count(*) FROM observations WHERE "
                           "note LIKE 'batch %'"),
            absl::StrCat(3 * batches));
  for (int k = 0; k < batches; ++k) {
    EXPECT_EQ(
        postgres_.Psql(db_, absl::StrCat("SELECT DISTINCT recorded_in FROM "
                                         "observations WHERE note = 'batch ",
                                         k, "'")),
        absl::StrCat(acknowledged[k]))
        << "batch " << k;
  }
  // And the restarted server serves them all.
  std::string target;
  {
    absl::MutexLock lock(&mu);
    target = address;
  }
  v1::QueryObservationsRequest query;
  query.mutable_filter()->set_start_period("2100");
  query.mutable_filter()->set_end_period(absl::StrCat(2100 + batches - 1));
  query.set_page_size(1000);
  auto rows = Writer(target).QueryObservations(query);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_EQ(rows->observations_size(), 3 * batches);
}

// A watcher on one replica sees each batch ingested through another within a
// second, and, its stream broken again and again (the replica closes
// connections after a second), resumes from its last revision: it sees every
// change once, in revision order, as the database recorded them.
TEST_F(IngestTest, AWatcherOnAnotherReplicaSeesEveryBatchOnceWithinASecond) {
  const std::string writer_address = StartServer();
  std::unique_ptr<Subprocess> watched;
  const std::string watched_address = StartReplica(
      &watched, {"--max_connection_age=1s", "--max_connection_age_grace=200ms",
                 "--watch_progress_interval=200ms"});
  ASSERT_FALSE(writer_address.empty() || watched_address.empty());

  struct Seen {
    int64_t revision;
    std::string key;
    absl::Time at;
  };
  absl::Mutex mu;
  std::vector<Seen> seen;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> start_revision{0};
  std::thread watcher([&] {
    v1::WatchObservationsRequest request;
    request.mutable_filter()->set_start_period("2100");
    request.set_progress(true);
    const IndicatorClient client = IndicatorClient::Connect(watched_address);
    int64_t last = 0;
    absl::Status status = client.WatchObservations(
        request, [&](const v1::WatchObservationsResponse& message) {
          if (message.event() == v1::WATCH_EVENT_PROGRESS && last == 0) {
            start_revision = message.revision();
          }
          absl::MutexLock lock(&mu);
          for (const v1::ObservationChange& c : message.changes()) {
            seen.push_back({c.revision(),
                            absl::StrCat(c.observation().region_code(), " ",
                                         c.observation().period()),
                            absl::Now()});
          }
          last = message.revision();
          return !stop;
        });
    EXPECT_TRUE(absl::IsCancelled(status)) << status;
  });
  // The watch is open once its first progress message came.
  for (int i = 0; i < 200 && start_revision == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_NE(start_revision, 0);

  constexpr int kBatches = 20;
  std::vector<std::pair<int64_t, absl::Time>> acknowledged;
  IndicatorClient writer = Writer(writer_address);
  for (int k = 0; k < kBatches; ++k) {
    auto answer = writer.IngestObservations(Batch(k));
    ASSERT_TRUE(answer.ok()) << answer.status();
    acknowledged.push_back({answer->revision(), absl::Now()});
    absl::SleepFor(absl::Milliseconds(150));
  }
  // Every batch reaches the watcher within a second of its acknowledgement.
  absl::Duration worst;
  for (const auto& [revision, at] : acknowledged) {
    std::optional<absl::Time> arrived;
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (!arrived && absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu);
        for (const Seen& s : seen) {
          if (s.revision == revision) arrived = s.at;
        }
      }
      if (!arrived) absl::SleepFor(absl::Milliseconds(5));
    }
    ASSERT_TRUE(arrived.has_value()) << "revision " << revision;
    worst = std::max(worst, *arrived - at);
  }
  stop = true;
  watcher.join();
  std::printf(
      "%d batches: the slowest reached the watcher %s after its "
      "acknowledgement\n",
      kBatches, absl::FormatDuration(worst).c_str());
  EXPECT_LT(worst, absl::Seconds(1));
  // The watched replica closed the watch's connection more than once (each
  // logged as a call that ended when its caller went), and the watch went on.
  int broken = 0;
  std::string line;
  while (watched->ReadLine(&line, absl::Milliseconds(300))) {
    broken += absl::StrContains(line, "method=WatchObservations");
  }
  EXPECT_GE(broken, 2) << watched->output();

  // Exactly the database's changes, once each, in revision order.
  const std::string recorded = postgres_.Psql(
      db_,
      "SELECT string_agg(recorded_in || ' ' || region_code || ' ' || "
      "period, ';' ORDER BY recorded_in, region_code) FROM observations "
      "WHERE period >= '2100'");
  std::vector<std::string> received;
  {
    absl::MutexLock lock(&mu);
    for (size_t i = 0; i < seen.size(); ++i) {
      if (i > 0) {
        EXPECT_GE(seen[i].revision, seen[i - 1].revision);
      }
    }
    std::vector<Seen> sorted = seen;
    std::stable_sort(
        sorted.begin(), sorted.end(), [](const Seen& a, const Seen& b) {
          return std::tie(a.revision, a.key) < std::tie(b.revision, b.key);
        });
    for (const Seen& s : sorted) {
      received.push_back(absl::StrCat(s.revision, " ", s.key));
    }
  }
  EXPECT_EQ(absl::StrJoin(received, ";"), recorded);
}

}  // namespace
}  // namespace indicators::testing
