// The Prometheus endpoint of the built server: scraped over HTTP before and
// after known calls, its counters move by exactly those calls, under the
// names and labels of go-grpc-prometheus; the dataset's state is there too.

#include <gtest/gtest.h>
#include <signal.h>

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/temp_postgres.h"

namespace indicators::testing {
namespace {

using client::IndicatorClient;

// The series of a method of the service called over gRPC, as
// go-grpc-prometheus labels it (plus the protocol)
// (labels in prometheus-cpp's order: by name).
std::string Series(const std::string& name, const std::string& method,
                   const std::string& type, const std::string& code = "") {
  return absl::StrCat(
      name, "{", code.empty() ? "" : absl::StrCat("grpc_code=\"", code, "\","),
      "grpc_method=\"", method,
      "\",grpc_service=\"indicators.v1.IndicatorService\",grpc_type=\"", type,
      "\",protocol=\"grpc\"}");
}

// A server with metrics on; reads the two addresses from its first lines.
class MetricsServer {
 public:
  explicit MetricsServer(std::vector<std::string> args) {
    args.insert(args.begin(), {SERVER_BINARY, "--listen=127.0.0.1:0",
                               "--metrics_listen=127.0.0.1:0"});
    process_ = std::make_unique<Subprocess>(args);
    std::string line;
    std::smatch match;
    if (process_->ReadLine(&line, absl::Seconds(30)) &&
        std::regex_search(
            line, match,
            std::regex("listening on (127\\.0\\.0\\.1:[0-9]+);"))) {
      address_ = match[1];
    }
    metrics_port_ = ReadMetricsPort(*process_);
  }
  bool ok() const { return !address_.empty() && metrics_port_ != 0; }
  const std::string& address() const { return address_; }
  int metrics_port() const { return metrics_port_; }
  Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<Subprocess> process_;
  std::string address_;
  int metrics_port_ = 0;
};

TEST(MetricsTest, CountersMoveByExactlyTheCallsMade) {
  TempDataset data;
  MetricsServer server({"--data=" + data.dir(), "--stream_batch_size=100"});
  ASSERT_TRUE(server.ok()) << server.process().output();
  const Samples before = Scrape(server.metrics_port());
  ASSERT_FALSE(before.empty());
  // Every series exists from the start, at zero.
  const std::string get = "GetIndicator", stream = "StreamObservations";
  for (const char* code : {"OK", "NotFound", "InvalidArgument", "Internal"}) {
    EXPECT_EQ(
        before.count(Series("grpc_server_handled_total", get, "unary", code)),
        1u)
        << code;
  }

  IndicatorClient client = IndicatorClient::Connect(server.address());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(client.GetIndicator("rd_expenditure").ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(client.GetIndicator("nope").status().code(),
              absl::StatusCode::kNotFound);
  }
  int messages = 0;
  ASSERT_TRUE(client
                  .StreamObservations(v1::StreamObservationsRequest(),
                                      [&](const auto&) {
                                        ++messages;
                                        return true;
                                      })
                  .ok());
  // A good reload, then one of a broken dataset (the old one keeps serving).
  auto await_line = [&](const std::string& text) {
    std::string line;
    while (server.process().ReadLine(&line, absl::Seconds(10))) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  };
  server.process().Signal(SIGHUP);
  ASSERT_TRUE(await_line("reloaded: serving"));
  data.Write("regions.csv", "not,a,header\n");
  server.process().Signal(SIGHUP);
  ASSERT_TRUE(await_line("reload rejected"));

  const Samples after = Scrape(server.metrics_port());
  auto moved = [&](const std::string& series) {
    EXPECT_EQ(after.count(series), 1u) << series;
    auto it = before.find(series);
    return after.count(series) == 0
               ? -1
               : after.at(series) - (it == before.end() ? 0 : it->second);
  };
  EXPECT_EQ(moved(Series("grpc_server_started_total", get, "unary")), 5);
  EXPECT_EQ(moved(Series("grpc_server_msg_received_total", get, "unary")), 5);
  EXPECT_EQ(moved(Series("grpc_server_msg_sent_total", get, "unary")), 3);
  EXPECT_EQ(moved(Series("grpc_server_handled_total", get, "unary", "OK")), 3);
  EXPECT_EQ(
      moved(Series("grpc_server_handled_total", get, "unary", "NotFound")), 2);
  EXPECT_EQ(moved(Series("grpc_server_handled_total", get, "unary",
                         "InvalidArgument")),
            0);
  EXPECT_EQ(moved(Series("grpc_server_handling_seconds_count", get, "unary")),
            5);
  EXPECT_EQ(moved(Series("grpc_server_started_total", stream, "server_stream")),
            1);
  EXPECT_EQ(messages, 5);  // 416 observations, 100 per message.
  EXPECT_EQ(
      moved(Series("grpc_server_msg_sent_total", stream, "server_stream")),
      messages);
  EXPECT_EQ(
      moved(Series("grpc_server_handled_total", stream, "server_stream", "OK")),
      1);
  // Methods not called did not move.
  EXPECT_EQ(
      moved(Series("grpc_server_started_total", "QueryObservations", "unary")),
      0);
  EXPECT_EQ(moved("indicators_dataset_reloads_total{result=\"success\"}"), 1);
  EXPECT_EQ(moved("indicators_dataset_reloads_total{result=\"failure\"}"), 1);
  EXPECT_EQ(after.at("indicators_dataset_observations"), 416);
  EXPECT_EQ(after.at("indicators_dataset_revision"), 0);
  EXPECT_GE(after.at("indicators_dataset_age_seconds"), 0);
  EXPECT_EQ(after.count("indicators_database_up"), 0u);
}

TEST(MetricsTest, MetricsAreOffUnlessAsked) {
  Subprocess server(
      {SERVER_BINARY, "--listen=127.0.0.1:0", "--data=" + TestDataDir()});
  std::string line;
  ASSERT_TRUE(server.ReadLine(&line, absl::Seconds(30)));
  EXPECT_FALSE(server.ReadLine(&line, absl::Milliseconds(500))) << line;
}

// With a database: its revision, and whether it can be reached.
TEST(MetricsTest, DatabaseStateIsAMetric) {
  TempPostgres postgres;
  ASSERT_TRUE(postgres.ok()) << postgres.error();
  const std::string db = postgres.CreateDatabase();
  std::string output;
  ASSERT_EQ(RunCommand({ADMIN_BINARY, "--database=" + db, "migrate"}, &output),
            0)
      << output;
  ASSERT_EQ(
      RunCommand({ADMIN_BINARY, "--database=" + db, "import", TestDataDir()},
                 &output),
      0)
      << output;
  MetricsServer server({"--database=" + db, "--poll_interval=200ms"});
  ASSERT_TRUE(server.ok()) << server.process().output();
  auto await_up = [&](double up) {
    const absl::Time deadline = absl::Now() + absl::Seconds(15);
    Samples samples;
    while (absl::Now() < deadline) {
      samples = Scrape(server.metrics_port());
      if (samples.count("indicators_database_up") &&
          samples.at("indicators_database_up") == up) {
        return samples;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    ADD_FAILURE() << "indicators_database_up never became " << up;
    return samples;
  };
  const Samples connected = await_up(1);
  EXPECT_GE(connected.at("indicators_dataset_revision"), 1);
  ASSERT_TRUE(postgres.Stop());
  await_up(0);
  ASSERT_TRUE(postgres.Start());
  await_up(1);
}

}  // namespace
}  // namespace indicators::testing
