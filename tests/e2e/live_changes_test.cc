// Live data through the built server on a real PostgreSQL: a change is
// applied to the version served, not loaded again with the whole dataset;
// plain SQL edits reach watchers as ingests do, each under its own revision;
// and a replica started after some changes still resumes a watch from
// before them, from the change records in the database.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
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
  std::string StartServer() {
    const std::string address = StartServerProcess(
        {SERVER_BINARY, "--listen=127.0.0.1:0", "--database=" + db_,
         "--tokens_file=" + scratch_.dir() + "/tokens", "--poll_interval=200ms",
         "--watch_progress_interval=200ms", "--metrics_listen=127.0.0.1:0"},
        &server_);
    std::string line;
    std::smatch match;
    if (server_->ReadLine(&line, absl::Seconds(10)) &&
        std::regex_search(
            line, match,
            std::regex("metrics on http://127\\.0\\.0\\.1:([0-9]+)/metrics"))) {
      metrics_port_ = std::stoi(match[1]);
    }
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
          request, [this](const v1::WatchObservationsResponse& message) {
            absl::MutexLock lock(&mu_);
            for (const v1::ObservationChange& c : message.changes()) {
              seen_.push_back(absl::StrCat(
                  c.revision(), " ", v1::ChangeKind_Name(c.kind()), " ",
                  c.observation().period(), " ", c.observation().value()));
            }
            revision_ = message.revision();
            return !stop_;
          });
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
  absl::Status Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
  int64_t revision_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<bool> stop_{false};
  absl::Status status_;
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
  const absl::Status status = old.Stop();
  EXPECT_EQ(status.code(), absl::StatusCode::kOutOfRange) << status;
  EXPECT_NE(status.message().find(
                absl::StrCat("the oldest to start after is ", fifth - 1)),
            std::string::npos)
      << status;
}

}  // namespace
}  // namespace indicators::testing
