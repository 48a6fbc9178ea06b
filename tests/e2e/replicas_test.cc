// Three replicas following one PostgreSQL: changes reach all of them within a
// second, a database outage leaves them serving, and a client with the
// shipped service config loses no call when replicas die under load.

#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "tests/e2e/nginx_front.h"
#include "tests/testing/served_database.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/temp_postgres.h"
#include "tests/testing/test_pki.h"

namespace indicators::testing {
namespace {

using client::ClientOptions;
using client::IndicatorClient;

constexpr int kReplicas = 3;

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(postgres_.ok()) << postgres_.error();
    db_ = postgres_.CreateDatabase();
    const absl::Status stored =
        MigrateAndImport(ADMIN_BINARY, db_, TestDataDir());
    ASSERT_TRUE(stored.ok()) << stored;
    // One page-token key for all: tokens are valid on every replica.
    key_file_ = scratch_.dir() + "/page_token.key";
    scratch_.Write("page_token.key", "0123456789abcdef0123456789abcdef");
    for (int i = 0; i < kReplicas; ++i) ASSERT_NO_FATAL_FAILURE(Start(i));
  }

  void Start(int i) {
    addresses_[i] = StartServerProcess(
        {SERVER_BINARY, "--listen=127.0.0.1:0", "--database=" + db_,
         "--poll_interval=500ms", "--lame_duck=500ms", "--drain_timeout=2s",
         "--stream_batch_size=200", "--page_token_key_file=" + key_file_},
        &replicas_[i]);
    ASSERT_FALSE(addresses_[i].empty()) << replicas_[i]->output();
  }

  v1::GetDatasetInfoResponse Info(int i) {
    auto info = IndicatorClient::Connect(addresses_[i]).GetDatasetInfo();
    EXPECT_TRUE(info.ok()) << info.status();
    return info.ok() ? *info : v1::GetDatasetInfoResponse();
  }

  // Commits one change to the stored dataset; returns its revision.
  int64_t CommitChange(int k) {
    int code = 0;
    const std::string revision = postgres_.Psql(
        db_,
        absl::StrCat("UPDATE observations SET note = 'change ", k,
                     "' WHERE ordinal = 1; "
                     "SELECT revision FROM dataset_state"),
        &code);
    EXPECT_EQ(code, 0) << revision;
    return std::stoll(revision);
  }

  // Waits until replica `i` serves `revision`; returns how long it took from
  // `since`, or nullopt after 15 s.
  std::optional<absl::Duration> AwaitRevision(int i, int64_t revision,
                                              absl::Time since) {
    auto client = IndicatorClient::Connect(addresses_[i]);
    while (absl::Now() - since < absl::Seconds(15)) {
      auto info = client.GetDatasetInfo();
      if (info.ok() && info->dataset().revision() >= revision) {
        return absl::Now() - since;
      }
      absl::SleepFor(absl::Milliseconds(5));
    }
    return std::nullopt;
  }

  TempPostgres postgres_;
  TempDataset scratch_;
  std::string key_file_;
  std::string db_;
  std::unique_ptr<Subprocess> replicas_[kReplicas];
  std::string addresses_[kReplicas];
};

TEST_F(ReplicasTest, EveryChangeReachesEveryReplicaWithinASecond) {
  std::vector<absl::Duration> delays;
  for (int k = 1; k <= 20; ++k) {
    if (k == 11) {
      // Cut replica 0's database connection; it reconnects by itself.
      EXPECT_EQ(postgres_.Psql(
                    db_, absl::StrCat("SELECT count(pg_terminate_backend(pid)) "
                                      "FROM pg_stat_activity WHERE "
                                      "application_name = "
                                      "'indicators-server pid ",
                                      replicas_[0]->pid(), "'")),
                "1");
    }
    const absl::Time committed = absl::Now();  // Just before the commit.
    const int64_t revision = CommitChange(k);
    for (int i = 0; i < kReplicas; ++i) {
      std::optional<absl::Duration> delay =
          AwaitRevision(i, revision, committed);
      ASSERT_TRUE(delay.has_value())
          << "replica " << i << " revision " << revision;
      delays.push_back(*delay);
    }
  }
  std::sort(delays.begin(), delays.end());
  const absl::Duration p50 = delays[delays.size() / 2];
  const absl::Duration p99 =
      delays[static_cast<size_t>(std::ceil(0.99 * delays.size())) - 1];
  std::printf(
      "change -> served by replica, %zu samples: p50 %s, p99 %s, "
      "max %s\n",
      delays.size(), absl::FormatDuration(p50).c_str(),
      absl::FormatDuration(p99).c_str(),
      absl::FormatDuration(delays.back()).c_str());
  EXPECT_LT(p99, absl::Seconds(1));
  // Every replica serves the same version now.
  const std::string version = Info(0).dataset().version();
  for (int i = 1; i < kReplicas; ++i) {
    EXPECT_EQ(Info(i).dataset().version(), version);
  }
}

TEST_F(ReplicasTest,
       ReplicasServeTheirSnapshotWhileTheDatabaseIsDownAndCatchUp) {
  const std::string version = Info(0).dataset().version();
  ASSERT_TRUE(postgres_.Stop());
  for (int i = 0; i < kReplicas; ++i) {
    auto client = IndicatorClient::Connect(addresses_[i]);
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    v1::GetDatasetInfoResponse info;
    while (absl::Now() < deadline) {
      auto answer = client.GetDatasetInfo();
      ASSERT_TRUE(answer.ok()) << answer.status();
      info = *answer;
      if (info.has_stale_since()) break;
      absl::SleepFor(absl::Milliseconds(50));
    }
    EXPECT_TRUE(info.has_stale_since()) << "replica " << i;
    EXPECT_EQ(info.dataset().version(), version);
    v1::QueryObservationsRequest request;
    request.mutable_filter()->add_indicator_ids("rd_expenditure");
    auto page = client.QueryObservations(request);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_GT(page->observations_size(), 0);
  }
  ASSERT_TRUE(postgres_.Start());
  const absl::Time restarted = absl::Now();
  const int64_t revision = CommitChange(1);
  for (int i = 0; i < kReplicas; ++i) {
    std::optional<absl::Duration> delay = AwaitRevision(i, revision, restarted);
    ASSERT_TRUE(delay.has_value()) << "replica " << i << " did not catch up";
    EXPECT_FALSE(Info(i).has_stale_since()) << "replica " << i;
  }
}

// Exports every observation, one string per observation.
absl::Status ExportAll(
    const IndicatorClient& client, std::vector<std::string>* rows,
    absl::FunctionRef<void(int message)> after = [](int) {}) {
  int messages = 0;
  return client.StreamObservations(
      v1::StreamObservationsRequest(),
      [&](const v1::StreamObservationsResponse& message) {
        for (const v1::Observation& o : message.observations()) {
          rows->push_back(o.SerializeAsString());
        }
        after(++messages);
        return true;
      });
}

class ReplicaExportTest : public ReplicasTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ReplicasTest::SetUp());
    TempDataset generated;
    std::string output;
    ASSERT_EQ(RunCommand({DATAGEN_BINARY, "--observations=60000",
                          "--out=" + generated.dir() + "/big"},
                         &output),
              0)
        << output;
    ASSERT_EQ(RunCommand({ADMIN_BINARY, "--database=" + db_, "import",
                          generated.dir() + "/big"},
                         &output),
              0)
        << output;
    const int64_t revision =
        std::stoll(postgres_.Psql(db_, "SELECT revision FROM dataset_state"));
    for (int i = 0; i < kReplicas; ++i) {
      ASSERT_TRUE(AwaitRevision(i, revision, absl::Now()).has_value());
    }
    ASSERT_EQ(Info(0).dataset().observation_count(), 60000);
  }

  // Starts an export over all replicas that replica 0 serves: the others are
  // stopped (SIGSTOP) until the export has begun, so only 0 is ready.
  // `at_message(n)` runs after message n.
  absl::Status ExportFromReplicaZero(std::vector<std::string>* rows,
                                     absl::FunctionRef<void(int)> at_message) {
    replicas_[1]->Signal(SIGSTOP);
    replicas_[2]->Signal(SIGSTOP);
    ClientOptions options;
    options.deadline = absl::Seconds(60);
    // A small receive window: the server cannot have sent the whole export
    // ahead of the reader when replica 0 dies, so the stream really breaks.
    grpc::ChannelArguments args;
    args.SetServiceConfigJSON(client::ReplicaServiceConfig());
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 * 1024);
    IndicatorClient client(
        grpc::CreateCustomChannel(
            client::ChannelTarget(absl::StrJoin(addresses_, ",")),
            grpc::InsecureChannelCredentials(), args),
        options);
    return ExportAll(client, rows, [&](int message) {
      if (message == 1) {
        replicas_[1]->Signal(SIGCONT);
        replicas_[2]->Signal(SIGCONT);
      }
      at_message(message);
      absl::SleepFor(
          absl::Milliseconds(2));  // A reader slower than the server.
    });
  }
};

TEST_F(ReplicaExportTest,
       AnExportInterruptedByAReplicasDeathCompletesOnAnother) {
  std::vector<std::string> interrupted;
  const absl::Status status =
      ExportFromReplicaZero(&interrupted, [&](int message) {
        if (message == 20) {
          absl::SleepFor(absl::Milliseconds(500));  // 1 and 2 become ready.
          replicas_[0]->Signal(SIGKILL);
        }
      });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(replicas_[0]->Wait(absl::Seconds(5)), 128 + SIGKILL)
      << "replica 0 was not serving the export";
  std::vector<std::string> uninterrupted;
  ASSERT_TRUE(
      ExportAll(IndicatorClient::Connect(addresses_[1]), &uninterrupted).ok());
  ASSERT_EQ(uninterrupted.size(), 60000u);
  EXPECT_EQ(interrupted.size(), uninterrupted.size());
  EXPECT_TRUE(interrupted == uninterrupted) << "not equal row for row";
}

// If the version being exported is gone from every live replica, the client
// says so instead of mixing versions.
TEST_F(ReplicaExportTest, AnExportWhoseVersionIsGoneFailsSayingSo) {
  std::vector<std::string> rows;
  const absl::Status status = ExportFromReplicaZero(&rows, [&](int message) {
    if (message == 20) {
      const int64_t revision = CommitChange(1);
      ASSERT_TRUE(AwaitRevision(1, revision, absl::Now()).has_value());
      ASSERT_TRUE(AwaitRevision(2, revision, absl::Now()).has_value());
      replicas_[0]->Signal(SIGKILL);
    }
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_NE(status.message().find("start the export again"), std::string::npos)
      << status;
}

// Mixed unary calls from several threads, counting failures.
struct Load {
  explicit Load(IndicatorClient client, int threads)
      : client(std::move(client)) {
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([this, t] {
        v1::QueryObservationsRequest query;
        query.mutable_filter()->add_indicator_ids("rd_expenditure");
        query.set_page_size(50);
        for (int n = t; !stop.load(); ++n) {
          absl::Status status;
          switch (n % 4) {
            case 0:
              status = this->client.GetIndicator("rd_expenditure").status();
              break;
            case 1:
              status = this->client.QueryObservations(query).status();
              break;
            case 2:
              status = this->client.GetRegion("CN-GD").status();
              break;
            default:
              status = this->client.GetDatasetInfo().status();
              break;
          }
          ++calls;
          if (!status.ok()) {
            ++failures;
            absl::MutexLock lock(&mu);
            if (errors.size() < 5) errors.push_back(status.ToString());
          }
        }
      });
    }
  }
  void Stop() {
    stop = true;
    for (std::thread& w : workers) w.join();
  }
  IndicatorClient client;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0}, failures{0};
  absl::Mutex mu;
  std::vector<std::string> errors;
  std::vector<std::thread> workers;
};

// Runs both clients' load for about 9 s, killing replica 0 (SIGKILL) after 3
// and stopping replica 1 (SIGTERM, lame duck then drain) after 6; expects no
// failure for `configured` and reports both.
void KillAndStopUnderLoad(
    Subprocess& killed, Subprocess& stopped, IndicatorClient configured_client,
    IndicatorClient unconfigured_client, const std::string& path,
    std::function<std::string()> context = [] { return std::string(); }) {
  Load configured(std::move(configured_client), 4);
  Load unconfigured(std::move(unconfigured_client), 2);
  absl::SleepFor(absl::Seconds(3));
  killed.Signal(SIGKILL);
  absl::SleepFor(absl::Seconds(3));
  stopped.Signal(SIGTERM);
  EXPECT_EQ(stopped.Wait(absl::Seconds(10)), 0);
  absl::SleepFor(absl::Seconds(3));
  configured.Stop();
  unconfigured.Stop();
  std::printf(
      "%s: kill -9 of one replica and SIGTERM of another under load: "
      "shipped service config %lld failed of %lld calls; without it "
      "%lld failed of %lld\n",
      path.c_str(), static_cast<long long>(configured.failures.load()),
      static_cast<long long>(configured.calls.load()),
      static_cast<long long>(unconfigured.failures.load()),
      static_cast<long long>(unconfigured.calls.load()));
  EXPECT_EQ(configured.failures.load(), 0)
      << absl::StrJoin(configured.errors, "\n") << "\n"
      << context();
  EXPECT_GT(configured.calls.load(), 1000);
}

TEST_F(ReplicasTest, KillingAndStoppingReplicasUnderLoadLosesNoCall) {
  const std::string target = absl::StrJoin(addresses_, ",");
  ClientOptions options;
  options.deadline = absl::Seconds(5);
  // For comparison: round_robin alone, without health checking or retries.
  grpc::ChannelArguments plain;
  plain.SetServiceConfigJSON(R"({"loadBalancingConfig":[{"round_robin":{}}]})");
  KillAndStopUnderLoad(
      *replicas_[0], *replicas_[1], IndicatorClient::Connect(target, options),
      IndicatorClient(
          grpc::CreateCustomChannel("ipv4:" + target,
                                    grpc::InsecureChannelCredentials(), plain),
          options),
      "direct");
}

TEST_F(ReplicasTest, KillingAndStoppingReplicasBehindNginxLosesNoCall) {
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  NginxFront nginx(scratch_.dir(), pki,
                   {addresses_[0], addresses_[1], addresses_[2]});
  client::ConnectOptions tls{pki.Cert("ca"), "", ""};
  ClientOptions with_config, without_config;
  with_config.deadline = without_config.deadline = absl::Seconds(5);
  with_config.service_config = ClientOptions::ServiceConfig::kProxy;
  without_config.service_config = ClientOptions::ServiceConfig::kNone;
  auto configured =
      IndicatorClient::ConnectTls(nginx.address(), tls, with_config);
  auto unconfigured =
      IndicatorClient::ConnectTls(nginx.address(), tls, without_config);
  ASSERT_TRUE(configured.ok() && unconfigured.ok());
  absl::Status status;
  for (int attempt = 0; attempt < 50; ++attempt) {  // Until nginx listens.
    status = unconfigured->GetIndicator("rd_expenditure").status();
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(status.ok()) << status << "\n" << nginx.ErrorLog();
  KillAndStopUnderLoad(*replicas_[0], *replicas_[1], *std::move(configured),
                       *std::move(unconfigured), "through nginx",
                       [&] { return nginx.ErrorLog(); });
}

}  // namespace
}  // namespace indicators::testing
