// Hot reload: a valid dataset is swapped in whole, a bad one is rejected
// while the old one keeps serving, and under load every response and every
// stream comes from exactly one version.

#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "server/core/load/dataset_loader.h"
#include "server/rpc/server.h"
#include "tests/testing/test_server.h"

namespace indicators {
namespace {

using client::IndicatorClient;

class ReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::TestServerOptions options;
    options.data_dir = data_.dir();
    options.server.stream_batch_size = 50;
    options.server.drain_timeout = absl::Seconds(2);
    server_ = testing::StartTestServer(options);
    ASSERT_NE(server_, nullptr);
    client_ = std::make_unique<IndicatorClient>(testing::Connect(*server_));
    original_ = data_.Read("observations.csv");
  }

  // Adds one observation row to the dataset files (not yet reloaded).
  void AddRow(int year) {
    data_.Write("observations.csv",
                data_.Read("observations.csv") + "rd_intensity,CN," +
                    std::to_string(year) + ",9.99,exact,final,S1,\n");
  }

  std::string ServedVersion() {
    auto info = client_->GetDatasetInfo();
    EXPECT_TRUE(info.ok()) << info.status();
    return info.ok() ? info->dataset().version() : "";
  }

  testing::TempDataset data_;
  std::unique_ptr<rpc::Server> server_;
  std::unique_ptr<IndicatorClient> client_;
  std::string original_;
};

TEST_F(ReloadTest, AValidDatasetIsSwappedInAndReported) {
  const std::string before = ServedVersion();
  AddRow(2031);
  ASSERT_TRUE(server_->Reload("test").ok());
  auto info = client_->GetDatasetInfo();
  ASSERT_TRUE(info.ok());
  EXPECT_NE(info->dataset().version(), before);
  EXPECT_EQ(info->dataset().observation_count(), 417);
  EXPECT_TRUE(info->last_reload().succeeded());
  EXPECT_EQ(info->last_reload().trigger(), "test");
  EXPECT_EQ(info->last_reload().version(), info->dataset().version());
  v1::QueryObservationsRequest query;
  query.mutable_filter()->set_start_period("2031");
  auto rows = client_->QueryObservations(query);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->observations_size(), 1);
  EXPECT_EQ(rows->observations(0).value(), 9.99);
}

TEST_F(ReloadTest, ABadDatasetIsRejectedAndTheOldOneKeepsServing) {
  const std::string before = ServedVersion();
  data_.Write("observations.csv",
              original_ + "rd_intensity,CN,2031,oops,exact,final,S1,\n");
  absl::Status status = server_->Reload("test");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("observations.csv:418: column 4 (value)"),
            std::string::npos)
      << status;
  data_.Write("regions.csv", "");  // Truncated: no header at all.
  EXPECT_FALSE(server_->Reload("test").ok());
  auto info = client_->GetDatasetInfo();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->dataset().version(), before);
  EXPECT_FALSE(info->last_reload().succeeded());
  EXPECT_NE(info->last_reload().error().find("regions.csv:1: header"),
            std::string::npos)
      << info->last_reload().error();
  EXPECT_TRUE(client_->GetIndicator("rd_intensity").ok());
}

TEST_F(ReloadTest, APageTokenFromAnOlderVersionGetsAClearError) {
  v1::QueryObservationsRequest query;
  query.set_page_size(10);
  auto first = client_->QueryObservations(query);
  ASSERT_TRUE(first.ok());
  AddRow(2032);
  ASSERT_TRUE(server_->Reload("test").ok());
  query.set_page_token(first->next_page_token());
  auto stale = client_->QueryObservations(query);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(stale.status().message().find("another dataset version"),
            std::string::npos)
      << stale.status();
}

TEST_F(ReloadTest, UnderLoadEveryResponseAndStreamComesFromOneVersion) {
  const std::string v1 = ServedVersion();
  AddRow(2033);
  const std::string v2_text = data_.Read("observations.csv");
  ASSERT_TRUE(server_->Reload("test").ok());
  const std::string v2 = ServedVersion();
  ASSERT_NE(v1, v2);

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, calls{0}, streams{0};
  absl::Mutex mu;
  std::set<std::string> seen;
  auto record = [&](const std::string& version) {
    absl::MutexLock lock(&mu);
    seen.insert(version);
  };
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t) {
    load.emplace_back([&] {
      while (!stop) {
        auto page = client_->QueryObservations({});
        ++calls;
        if (!page.ok() ||
            (page->dataset_version() != v1 && page->dataset_version() != v2)) {
          ++failures;
          continue;
        }
        record(page->dataset_version());
      }
    });
  }
  load.emplace_back([&] {
    while (!stop) {
      std::set<std::string> versions;
      absl::Status s = client_->StreamObservations({}, [&](const auto& m) {
        versions.insert(m.dataset_version());
        return true;
      });
      ++streams;
      if (!s.ok() || versions.size() != 1) ++failures;
    }
  });
  // Alternate between the two datasets while the load runs.
  for (int i = 0; i < 20; ++i) {
    data_.Write("observations.csv", i % 2 == 0 ? original_ : v2_text);
    EXPECT_TRUE(server_->Reload("test").ok());
    absl::SleepFor(absl::Milliseconds(20));
  }
  stop = true;
  for (auto& t : load) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(calls.load(), 20);
  EXPECT_GT(streams.load(), 2);
  EXPECT_EQ(seen, (std::set<std::string>{v1, v2}));
}

}  // namespace
}  // namespace indicators
