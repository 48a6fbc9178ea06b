// Live data through the built server on a real PostgreSQL: a change is
// applied to the version served, not loaded again with the whole dataset;
// plain SQL edits reach watchers as ingests do, each under its own revision;
// and a replica started after some changes still resumes a watch from
// before them, from the change records in the database.

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "server/core/base/sha256.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/served_database.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/temp_postgres.h"

namespace indicators::testing {
namespace {

using client::ClientOptions;
using client::IndicatorClient;

constexpr char kWriteToken[] = "live-changes-test-write-token";

class LiveChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(postgres_.ok()) << postgres_.error();
    db_ = postgres_.CreateDatabase();
    scratch_.Write("tokens", Sha256Hex(kWriteToken) + " write\n");
  }
  void Store(const std::string& dir) {
    const absl::Status stored = MigrateAndImport(ADMIN_BINARY, db_, dir);
    ASSERT_TRUE(stored.ok()) << stored;
  }

  // Starts a server of the database with metrics on; returns its address
  // and sets `metrics_port_`.
  std::string StartServer() { return StartServer(&server_); }
  std::string StartServer(std::unique_ptr<Subprocess>* process) {
    const std::string address = StartServerProcess(
        {SERVER_BINARY, "--listen=127.0.0.1:0", "--database=" + db_,
         "--tokens_file=" + scratch_.dir() + "/tokens", "--poll_interval=200ms",
         "--watch_progress_interval=200ms", "--metrics_listen=127.0.0.1:0"},
        process);
    if (!address.empty()) metrics_port_ = ReadMetricsPort(**process);
    return address;
  }

  // Commits `sql` (one transaction); returns the revision after it.
  int64_t Commit(const std::string& sql) {
    int code = 0;
    const std::string out =
        postgres_.Psql(db_,
                       absl::StrCat("BEGIN; ", sql,
                                    "; COMMIT; SELECT revision FROM "
                                    "dataset_state"),
                       &code);
    EXPECT_EQ(code, 0) << out;
    const std::vector<std::string> lines = absl::StrSplit(out, '\n');
    return std::stoll(lines.back());
  }

  // Waits up to 10 s until the server at `address` serves `revision`.
  bool AwaitRevision(const std::string& address, int64_t revision) {
    IndicatorClient client = IndicatorClient::Connect(address);
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      auto info = client.GetDatasetInfo();
      if (info.ok() && info->dataset().revision() >= revision) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  // The whole loads and the applied catch-ups since the server started.
  std::pair<double, double> LoadsAndApplies() {
    Samples samples = Scrape(metrics_port_);
    return {samples["indicators_dataset_reloads_total{result=\"success\"}"],
            samples["indicators_dataset_changes_applied_total"]};
  }

  // The version a whole load of the store gives (`indicators-admin export`).
  std::string StoredVersion() {
    std::string output;
    EXPECT_EQ(RunCommand({ADMIN_BINARY, "--database=" + db_, "export",
                          scratch_.dir() + "/export"},
                         &output),
              0)
        << output;
    std::smatch match;
    std::regex_search(output, match, std::regex("dataset version ([0-9a-f]+)"));
    return match.size() > 1 ? std::string(match[1]) : "";
  }

  TempPostgres postgres_;
  TempDataset scratch_;
  std::string db_;
  std::unique_ptr<Subprocess> server_;
  int metrics_port_ = 0;
};

// A watch on `address` in a thread of its own, collecting the changes it
// receives as "revision kind period value".
class Watch {
 public:
  Watch(const std::string& address, int64_t start_revision) {
    thread_ = std::thread([this, address, start_revision] {
      v1::WatchObservationsRequest request;
      request.set_start_revision(start_revision);
      request.set_progress(true);
      status_ = IndicatorClient::Connect(address).WatchObservations(
          request,
          [this](const v1::WatchObservationsResponse& message) {
            absl::MutexLock lock(&mu_);
            for (const v1::ObservationChange& c : message.changes()) {
              seen_.push_back(absl::StrCat(
                  c.revision(), " ", v1::ChangeKind_Name(c.kind()), " ",
                  c.observation().period(), " ", c.observation().value()));
            }
            revision_ = message.revision();
            return !stop_;
          },
          &cancellation_);
      ended_.Notify();
    });
  }
  ~Watch() { Stop().IgnoreError(); }
  // Waits up to 10 s until the watch has reported `revision`.
  bool Await(int64_t revision) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      {
        absl::MutexLock lock(&mu_);
        if (revision_ >= revision) return true;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return false;
  }
  std::vector<std::string> Seen() {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  // Waits up to 10 s for the watch to end by itself (then cancels it);
  // returns how it ended.
  absl::Status Finish() {
    ended_.WaitForNotificationWithTimeout(absl::Seconds(10));
    return Stop();
  }
  // Ends the watch at once, whether or not messages still come.
  absl::Status Stop() {
    stop_ = true;
    cancellation_.Cancel();
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<bool> stop_{false};
  absl::Status status_;
  client::Cancellation cancellation_;
  absl::Notification ended_;
  std::thread thread_;
};

TEST_F(LiveChangesTest, AOneRowChangeIsAppliedWithoutLoadingTheDatasetAgain) {
  // 100,000 observations: a whole load of them would be seen in the metric.
  const std::string dir = scratch_.dir() + "/generated";
  std::string output;
  ASSERT_EQ(
      RunCommand({DATAGEN_BINARY, "--observations=100000", "--out=" + dir},
                 &output),
      0)
      << output;
  ASSERT_NO_FATAL_FAILURE(Store(dir));
  const std::string address = StartServer();
  ASSERT_FALSE(address.empty()) << server_->output();
  ASSERT_NE(metrics_port_, 0);
  EXPECT_EQ(LoadsAndApplies(), std::make_pair(0.0, 0.0));

  // A plain SQL edit of one row.
  const int64_t edited =
      Commit("UPDATE observations SET value = value + 1 WHERE ordinal = 5000");
  ASSERT_TRUE(AwaitRevision(address, edited));
  EXPECT_EQ(LoadsAndApplies(), std::make_pair(0.0, 1.0));

  // An ingest revising one figure answers with the version that serves it.
  const std::vector<std::string> f = absl::StrSplit(
      postgres_.Psql(db_,
                     "SELECT concat_ws('|', indicator_id, region_code, "
                     "period, array_to_string(source_ids, ';')) FROM "
                     "observations WHERE ordinal = 777"),
      '|');
  ASSERT_EQ(f.size(), 4u);
  v1::IngestObservationsRequest batch;
  v1::Observation* o = batch.add_observations();
  o->set_indicator_id(f[0]);
  o->set_region_code(f[1]);
  o->set_period(f[2]);
  o->set_value(4242.5);
  o->set_qualifier(v1::QUALIFIER_EXACT);
  o->set_status(v1::OBSERVATION_STATUS_FINAL);
  for (absl::string_view s : absl::StrSplit(f[3], ';')) {
    o->add_source_ids(std::string(s));
  }
  ClientOptions options;
  options.bearer_token = kWriteToken;
  auto answer =
      IndicatorClient::Connect(address, options).IngestObservations(batch);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->revised(), 1);
  EXPECT_EQ(LoadsAndApplies(), std::make_pair(0.0, 2.0));
  // What it serves is what a whole load of the store gives.
  EXPECT_EQ(answer->dataset_version(), StoredVersion());
  auto info = IndicatorClient::Connect(address).GetDatasetInfo();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->dataset().version(), answer->dataset_version());

  // A catalog change is loaded whole.
  const int64_t catalog =
      Commit("UPDATE sources SET note = 'changed' WHERE ordinal = 1");
  ASSERT_TRUE(AwaitRevision(address, catalog));
  EXPECT_EQ(LoadsAndApplies(), std::make_pair(1.0, 2.0));
}

TEST_F(LiveChangesTest, PlainSqlEditsReachWatchersEachUnderItsOwnRevision) {
  ASSERT_NO_FATAL_FAILURE(Store(TestDataDir()));
  const std::string address = StartServer();
  ASSERT_FALSE(address.empty()) << server_->output();
  const std::string where =
      " WHERE indicator_id = 'rd_expenditure' AND region_code = 'CN-GD' AND "
      "source_ids = ARRAY['S13'] AND period = ";
  Watch watch(address, 0);
  ASSERT_TRUE(watch.Await(1));  // Open: a first progress message came.
  const int64_t revised =
      Commit("UPDATE observations SET value = 490.25" + where + "'2023'");
  const int64_t withdrawn =
      Commit("DELETE FROM observations" + where + "'2023'");
  const int64_t added = Commit(
      "INSERT INTO observations (ordinal, indicator_id, region_code, period, "
      "value, qualifier, status, source_ids) SELECT max(ordinal) + 1, "
      "'rd_expenditure', 'CN-GD', '2030', 600.5, 'about', 'estimate', "
      "ARRAY['S13'] FROM observations");
  ASSERT_TRUE(watch.Await(added));
  EXPECT_EQ(watch.Seen(),
            (std::vector<std::string>{
                absl::StrCat(revised, " CHANGE_KIND_REVISED 2023 490.25"),
                absl::StrCat(withdrawn, " CHANGE_KIND_WITHDRAWN 2023 490.25"),
                absl::StrCat(added, " CHANGE_KIND_ADDED 2030 600.5")}));
  EXPECT_EQ(revised + 2, added);
}

TEST_F(LiveChangesTest, ARestartedReplicaResumesAWatchFromBeforeItsStart) {
  ASSERT_NO_FATAL_FAILURE(Store(TestDataDir()));
  std::string address = StartServer();
  ASSERT_FALSE(address.empty()) << server_->output();
  auto info = IndicatorClient::Connect(address).GetDatasetInfo();
  ASSERT_TRUE(info.ok());
  const int64_t start = info->dataset().revision();
  std::vector<std::string> expected;
  auto change = [&](int k) {
    const int64_t revision = Commit(absl::StrCat(
        "UPDATE observations SET value = ", 1000 + k,
        " WHERE ordinal = (SELECT min(ordinal) FROM observations)"));
    const std::string period = postgres_.Psql(
        db_, "SELECT period FROM observations ORDER BY ordinal LIMIT 1");
    expected.push_back(
        absl::StrCat(revision, " CHANGE_KIND_REVISED ", period, " ", 1000 + k));
    return revision;
  };
  change(1);
  const int64_t second = change(2);
  ASSERT_TRUE(AwaitRevision(address, second));
  // Killed; a change commits while no server runs; another server starts.
  server_->Signal(SIGKILL);
  server_->Wait(absl::Seconds(10));
  const int64_t third = change(3);
  address = StartServer();
  ASSERT_FALSE(address.empty()) << server_->output();

  {
    Watch watch(address, start);
    ASSERT_TRUE(watch.Await(third));
    EXPECT_EQ(watch.Seen(), expected);
  }
  // Changes compacted away are OUT_OF_RANGE, naming the oldest kept.
  Commit("UPDATE dataset_state SET change_retention = 1");
  const int64_t fifth = (change(4), change(5));
  server_->Signal(SIGKILL);
  server_->Wait(absl::Seconds(10));
  address = StartServer();
  ASSERT_FALSE(address.empty()) << server_->output();
  Watch old(address, start);
  const absl::Status status = old.Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
  EXPECT_NE(status.message().find(
                absl::StrCat("the oldest to start after is ", fifth - 1)),
            std::string::npos)
      << status;
}

// The history under faults: writers ingest while the replicas are killed
// with SIGKILL and started again and PostgreSQL restarts once. Afterwards
// every acknowledged batch is stored once and every replica serves the
// store's version; no replica ever reported a revision older than one it
// reported before; and a watcher that moved to whichever replica was up,
// resuming from the last revision it received, saw every revision once, in
// order, with exactly the changes the database recorded.
TEST_F(LiveChangesTest, UnderKillsAndADatabaseRestartNothingIsLostOrReordered) {
  ASSERT_NO_FATAL_FAILURE(Store(TestDataDir()));
  constexpr int kReplicas = 2, kWriters = 3;
  absl::Mutex mu;
  std::unique_ptr<Subprocess> replicas[kReplicas];
  std::string addresses[kReplicas];
  for (int i = 0; i < kReplicas; ++i) {
    addresses[i] = StartServer(&replicas[i]);
    ASSERT_FALSE(addresses[i].empty()) << replicas[i]->output();
  }
  auto address_of = [&](int i) {
    absl::MutexLock lock(&mu);
    return addresses[i];
  };
  const int64_t start = IndicatorClient::Connect(addresses[0])
                            .GetDatasetInfo()
                            ->dataset()
                            .revision();
  std::atomic<bool> done{false};

  // The watcher, on replica 1 then on whichever answers.
  std::vector<std::string> watched;  // "revision period", in order received.
  std::atomic<int64_t> watch_until{INT64_MAX};
  std::thread watcher([&] {
    int64_t last = start;
    for (int turn = 1; last < watch_until; ++turn) {
      v1::WatchObservationsRequest request;
      request.mutable_filter()->set_start_period("2100");
      request.set_start_revision(last);
      request.set_progress(true);
      ClientOptions options;
      options.deadline = absl::Seconds(30);
      IndicatorClient::Connect(address_of(turn % kReplicas), options)
          .WatchObservations(
              request,
              [&](const v1::WatchObservationsResponse& m) {
                for (const v1::ObservationChange& c : m.changes()) {
                  watched.push_back(absl::StrCat(c.revision(), " ",
                                                 c.observation().period()));
                }
                last = m.revision();
                return last < watch_until;
              })
          .IgnoreError();
      if (last < watch_until) absl::SleepFor(absl::Milliseconds(20));
    }
  });
  // Each replica's reported revisions, to check they never go back.
  std::vector<int64_t> reported[kReplicas];
  std::thread monitor([&] {
    while (!done) {
      for (int i = 0; i < kReplicas; ++i) {
        auto info = IndicatorClient::Connect(address_of(i)).GetDatasetInfo();
        if (info.ok()) reported[i].push_back(info->dataset().revision());
      }
      absl::SleepFor(absl::Milliseconds(10));
    }
  });
  // Writers: batch (w, k) is one new figure, sent until acknowledged.
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      ClientOptions options;
      options.bearer_token = kWriteToken;
      options.deadline = absl::Seconds(5);
      for (int k = 0; !done; ++k) {
        v1::IngestObservationsRequest batch;
        batch.set_idempotency_key(absl::StrCat("faults-", w, "-", k));
        v1::Observation* o = batch.add_observations();
        o->set_indicator_id("rd_expenditure");
        o->set_region_code("CN-GD");
        o->set_period(absl::StrCat(2100 + w * 300 + k));
        o->set_value(k + 0.5);
        o->set_qualifier(v1::QUALIFIER_EXACT);
        o->set_status(v1::OBSERVATION_STATUS_FINAL);
        o->add_source_ids("S13");
        o->set_note(absl::StrCat("faults ", w, " ", k));
        for (int attempt = 0; attempt < 400; ++attempt) {
          auto answer = IndicatorClient::Connect(
                            address_of((w + attempt) % kReplicas), options)
                            .IngestObservations(batch);
          if (answer.ok()) {
            ++acknowledged;
            break;
          }
          absl::SleepFor(absl::Milliseconds(25));
        }
      }
    });
  }
  // The faults.
  auto restart = [&](int i) {
    replicas[i]->Signal(SIGKILL);
    replicas[i]->Wait(absl::Seconds(10));
    std::unique_ptr<Subprocess> process;
    const std::string address = StartServer(&process);
    absl::MutexLock lock(&mu);
    replicas[i] = std::move(process);
    addresses[i] = address;
  };
  absl::SleepFor(absl::Milliseconds(700));
  restart(0);
  absl::SleepFor(absl::Milliseconds(700));
  ASSERT_TRUE(postgres_.Stop());
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_TRUE(postgres_.Start());
  absl::SleepFor(absl::Milliseconds(700));
  restart(1);
  absl::SleepFor(absl::Milliseconds(700));
  restart(0);
  absl::SleepFor(absl::Milliseconds(700));
  done = true;
  for (std::thread& t : writers) t.join();
  const int64_t head =
      std::stoll(postgres_.Psql(db_, "SELECT revision FROM dataset_state"));
  for (int i = 0; i < kReplicas; ++i) {
    EXPECT_TRUE(AwaitRevision(address_of(i), head)) << "replica " << i;
  }
  monitor.join();
  watch_until = head;
  watcher.join();

  std::printf(
      "%d batches acknowledged across 3 replica kills and a database "
      "restart; the watcher received %zu changes\n",
      acknowledged.load(), watched.size());
  EXPECT_GT(acknowledged, 10);
  // Every batch is stored once (retries were replayed, not stored again).
  EXPECT_EQ(postgres_.Psql(db_,
                           "SELECT count(*) FROM observations WHERE note LIKE "
                           "'faults %'"),
            postgres_.Psql(db_,
                           "SELECT count(DISTINCT note) FROM observations "
                           "WHERE note LIKE 'faults %'"));
  EXPECT_GE(
      std::stoi(postgres_.Psql(db_,
                               "SELECT count(*) FROM ingest_batches WHERE "
                               "idempotency_key LIKE 'faults-%'")),
      acknowledged.load());
  const std::string version = StoredVersion();
  for (int i = 0; i < kReplicas; ++i) {
    auto info = IndicatorClient::Connect(address_of(i)).GetDatasetInfo();
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->dataset().version(), version) << "replica " << i;
    EXPECT_TRUE(std::is_sorted(reported[i].begin(), reported[i].end()))
        << "replica " << i << " reported a revision older than before";
  }
  // The watcher: exactly the recorded changes, each once, in order.
  const std::string recorded = postgres_.Psql(
      db_, absl::StrCat("SELECT string_agg(revision || ' ' || period, ',' "
                        "ORDER BY revision, seq) FROM observation_changes "
                        "WHERE revision > ",
                        start, " AND period >= '2100'"));
  EXPECT_EQ(absl::StrJoin(watched, ","), recorded);
}

}  // namespace
}  // namespace indicators::testing
