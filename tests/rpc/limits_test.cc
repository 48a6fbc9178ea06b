// Server limits over a real socket: request size, streams per connection,
// keepalive enforcement, page size and filter length.

#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "server/core/load/dataset_loader.h"
#include "server/rpc/server.h"
#include "tests/testing/test_server.h"

namespace indicators {
namespace {

using client::IndicatorClient;

// Starts a test server with `options` and `limits`.
std::unique_ptr<rpc::Server> StartServer(
    rpc::ServerOptions options, CoreLimits limits = {},
    const std::string& data_dir = testing::TestDataDir()) {
  testing::TestServerOptions test_options;
  test_options.server = std::move(options);
  test_options.limits = limits;
  test_options.data_dir = data_dir;
  return testing::StartTestServer(test_options);
}

std::shared_ptr<grpc::Channel> Connect(const rpc::Server& server,
                                       grpc::ChannelArguments args = {}) {
  return grpc::CreateCustomChannel(server.address(),
                                   grpc::InsecureChannelCredentials(), args);
}

TEST(LimitsTest, OversizedRequestIsResourceExhaustedAndTheNextCallSucceeds) {
  rpc::ServerOptions options;
  options.max_request_bytes = 1024;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  IndicatorClient client(Connect(*server));
  v1::QueryObservationsRequest big;
  for (int i = 0; i < 200; ++i) {
    big.mutable_filter()->add_indicator_ids("indicator_" + std::to_string(i));
  }
  ASSERT_GT(big.ByteSizeLong(), 1024u);
  auto rejected = client.QueryObservations(big);
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kResourceExhausted)
      << rejected.status();
  EXPECT_NE(rejected.status().message().find("1024"), std::string::npos)
      << rejected.status();
  EXPECT_TRUE(client.GetIndicator("rd_intensity").ok());
}

TEST(LimitsTest, TooManyIdsInAFilterNameTheLimit) {
  CoreLimits limits;
  limits.max_filter_ids = 3;
  auto server = StartServer({}, limits);
  ASSERT_NE(server, nullptr);
  IndicatorClient client(Connect(*server));
  v1::QueryObservationsRequest request;
  for (const char* code : {"CN", "CN-GD", "CN-BJ", "CN-SH"}) {
    request.mutable_filter()->add_region_codes(code);
  }
  auto rejected = client.QueryObservations(request);
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rejected.status().message(),
            "filter.region_codes: 4 entries exceed this server's limit of 3 "
            "per list");
  request.mutable_filter()->mutable_region_codes()->RemoveLast();
  EXPECT_TRUE(client.QueryObservations(request).ok());
}

TEST(LimitsTest, PageSizeAboveTheMaximumIsClamped) {
  CoreLimits limits;
  limits.max_page_size = 150;
  auto server = StartServer({}, limits);
  ASSERT_NE(server, nullptr);
  IndicatorClient client(Connect(*server));
  v1::QueryObservationsRequest request;
  request.set_page_size(100000);
  auto page = client.QueryObservations(request);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->observations_size(), 150);
  EXPECT_FALSE(page->next_page_token().empty());
}

TEST(LimitsTest, StreamsPerConnectionAreCapped) {
  // About 1 MB to export: more than the flow-control windows hold.
  testing::TempDataset data;
  std::string rows;
  for (int year = 1100; year < 5100; ++year) {
    rows += "rd_intensity,CN," + std::to_string(year) + ",1,exact,final,S1,\"" +
            std::string(200, 'x') + "\"\n";
  }
  data.Write("observations.csv", data.Read("observations.csv") + rows);
  rpc::ServerOptions options;
  options.max_concurrent_streams = 1;
  options.stream_batch_size = 10;
  auto server = StartServer(options, {}, data.dir());
  ASSERT_NE(server, nullptr);
  // A fixed flow-control window (no BDP growth) and a stream that reads one
  // message and then stops reading: the server's writes stall, so the stream
  // keeps its slot.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto channel = Connect(*server, args);
  auto stub = v1::IndicatorService::NewStub(channel);
  grpc::ClientContext held;
  auto reader =
      stub->StreamObservations(&held, v1::StreamObservationsRequest());
  v1::StreamObservationsResponse message;
  ASSERT_TRUE(reader->Read(&message));
  // The only slot is taken: a second call on the connection waits.
  client::ClientOptions hurried;
  hurried.deadline = absl::Milliseconds(300);
  auto waiting = IndicatorClient(channel, hurried).GetIndicator("rd_intensity");
  EXPECT_EQ(waiting.status().code(), absl::StatusCode::kDeadlineExceeded)
      << waiting.status();
  held.TryCancel();
  while (reader->Read(&message)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_TRUE(IndicatorClient(channel).GetIndicator("rd_intensity").ok());
}

TEST(LimitsTest, TooFrequentPingsGetTheConnectionClosed) {
  rpc::ServerOptions options;
  options.min_ping_interval = absl::Seconds(10);
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  // A client that pings every 100 ms, with or without calls open.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 100);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_HTTP2_MIN_SENT_PING_INTERVAL_WITHOUT_DATA_MS, 100);
  auto channel = Connect(*server, args);
  ASSERT_TRUE(IndicatorClient(channel).GetIndicator("rd_intensity").ok());
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  // The server answers the third early ping with GOAWAY (too_many_pings),
  // which takes the connection out of READY.
  EXPECT_TRUE(channel->WaitForStateChange(
      GRPC_CHANNEL_READY, absl::ToChronoTime(absl::Now() + absl::Seconds(5))));
  // Other clients are unaffected.
  EXPECT_TRUE(
      IndicatorClient(Connect(*server)).GetIndicator("rd_intensity").ok());
}

// Without the abusive pings the same connection stays READY.
TEST(LimitsTest, PoliteClientsKeepTheirConnection) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  auto channel = Connect(*server);
  ASSERT_TRUE(IndicatorClient(channel).GetIndicator("rd_intensity").ok());
  EXPECT_FALSE(channel->WaitForStateChange(
      GRPC_CHANNEL_READY, absl::ToChronoTime(absl::Now() + absl::Seconds(1))));
}

}  // namespace
}  // namespace indicators
