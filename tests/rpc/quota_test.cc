// Per-caller quotas on an in-process server: a caller over its rate or its
// streams is refused RESOURCE_EXHAUSTED naming the subject and the limit,
// with when to retry; other callers are not counted with it; GetDatasetInfo
// says what the caller's limits are; the tokens file sets them per token and
// per scope and refuses a bad limit; and the C++ client waits as told, so
// its calls all succeed at the allowed rate.

#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "google/rpc/error_details.pb.h"
#include "indicators/v1/indicator_service.grpc.pb.h"
#include "server/rpc/auth.h"
#include "server/rpc/server.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/test_server.h"

namespace indicators {
namespace {

using client::IndicatorClient;

class QuotaTest : public ::testing::Test {
 protected:
  void Start(rpc::AuthOptions auth) {
    testing::TestServerOptions options;
    options.server.auth = std::move(auth);
    server_ = testing::StartTestServer(options);
    ASSERT_NE(server_, nullptr);
  }
  std::string WriteTokens(const std::string& text) {
    const std::string path = scratch_.dir() + "/tokens";
    std::ofstream(path) << text;
    return path;
  }
  // A client that does not wait: the raw stub.
  std::unique_ptr<v1::IndicatorService::Stub> Stub() {
    return v1::IndicatorService::NewStub(testing::Connect(*server_));
  }
  static grpc::Status GetIndicator(v1::IndicatorService::Stub& stub,
                                   const std::string& token = "") {
    grpc::ClientContext context;
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    v1::GetIndicatorRequest request;
    request.set_id("rd_intensity");
    v1::Indicator indicator;
    return stub.GetIndicator(&context, request, &indicator);
  }

  testing::TempDataset scratch_;
  std::unique_ptr<rpc::Server> server_;
};

TEST_F(QuotaTest, OverTheRateIsResourceExhaustedSayingWhoseAndWhenToRetry) {
  rpc::AuthOptions auth;
  auth.anonymous.requests_per_second = 5;
  ASSERT_NO_FATAL_FAILURE(Start(auth));
  auto stub = Stub();
  // A burst of a second's worth, then refusals.
  int admitted = 0;
  grpc::Status refused;
  for (int i = 0; i < 10 && refused.ok(); ++i) {
    refused = GetIndicator(*stub);
    if (refused.ok()) ++admitted;
  }
  EXPECT_EQ(admitted, 5);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.error_message();
  const absl::Status status = client::FromGrpcStatus(refused);
  std::optional<google::rpc::ErrorInfo> info = client::ErrorInfoOf(status);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "RATE_LIMITED");
  std::optional<google::rpc::QuotaFailure> quota =
      client::QuotaFailureOf(status);
  ASSERT_TRUE(quota.has_value());
  ASSERT_EQ(quota->violations_size(), 1);
  EXPECT_EQ(quota->violations(0).subject(), "address:127.0.0.1");
  EXPECT_NE(quota->violations(0).description().find("5 calls per second"),
            std::string::npos);
  std::optional<absl::Duration> delay = client::RetryDelayOf(status);
  ASSERT_TRUE(delay.has_value());
  EXPECT_GT(*delay, absl::ZeroDuration());
  EXPECT_LE(*delay, absl::Milliseconds(200));  // One call's worth at 5/s.
  EXPECT_TRUE(absl::StrContains(refused.error_message(), "retry after"))
      << refused.error_message();
  // After the delay the next call is admitted.
  absl::SleepFor(*delay + absl::Milliseconds(5));
  EXPECT_TRUE(GetIndicator(*stub).ok());
}

TEST_F(QuotaTest, TokensHaveTheirOwnLimitsOrTheirScopes) {
  rpc::AuthOptions auth;
  auth.tokens_file =
      WriteTokens("quota read requests_per_second=3 streams=2\n" +
                  rpc::HashToken("limited") + " read requests_per_second=2\n" +
                  rpc::HashToken("scoped") + " read\n" +
                  rpc::HashToken("free") + " write\n");
  ASSERT_NO_FATAL_FAILURE(Start(auth));
  auto stub = Stub();
  const auto burst = [&](const std::string& token) {
    int admitted = 0;
    for (int i = 0; i < 20; ++i) admitted += GetIndicator(*stub, token).ok();
    return admitted;
  };
  EXPECT_EQ(burst("limited"), 2);  // Its own limit.
  EXPECT_EQ(burst("scoped"), 3);   // Its scope's, counted apart.
  EXPECT_EQ(burst("free"), 20);    // The write scope has no limit here.
  EXPECT_EQ(burst(""), 20);        // Nor callers without a token.

  // GetDatasetInfo says what applies to the caller.
  client::ClientOptions options;
  options.bearer_token = "scoped";
  auto info =
      IndicatorClient(testing::Connect(*server_), options).GetDatasetInfo();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->quota().subject(),
            "token:" + rpc::HashToken("scoped").substr(0, 12));
  EXPECT_EQ(info->quota().requests_per_second(), 3);
  EXPECT_EQ(info->quota().max_streams(), 2);
  options.bearer_token = "free";
  info = IndicatorClient(testing::Connect(*server_), options).GetDatasetInfo();
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_FALSE(info->has_quota());
}

TEST_F(QuotaTest, ABadLimitInTheTokensFileIsRefusedNamingTheLine) {
  rpc::AuthOptions auth;
  auth.tokens_file = WriteTokens(rpc::HashToken("a") + " read\n" +
                                 rpc::HashToken("b") + " read streams=-1\n");
  auto authorizer = rpc::Authorizer::Create(auth);
  ASSERT_FALSE(authorizer.ok());
  EXPECT_EQ(authorizer.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(authorizer.status().message(), "tokens:2"))
      << authorizer.status();
  auth.tokens_file = WriteTokens("quota everyone requests_per_second=1\n");
  EXPECT_FALSE(rpc::Authorizer::Create(auth).ok());
}

TEST_F(QuotaTest, StreamsOverTheLimitAreRefusedUntilOneEnds) {
  rpc::AuthOptions auth;
  auth.anonymous.streams = 1;
  ASSERT_NO_FATAL_FAILURE(Start(auth));
  auto stub = Stub();
  // A watch holds the one stream.
  grpc::ClientContext watching;
  auto watch =
      stub->WatchObservations(&watching, v1::WatchObservationsRequest());
  absl::SleepFor(absl::Milliseconds(200));
  {
    grpc::ClientContext context;
    auto stream =
        stub->StreamObservations(&context, v1::StreamObservationsRequest());
    v1::StreamObservationsResponse message;
    EXPECT_FALSE(stream->Read(&message));
    const grpc::Status refused = stream->Finish();
    ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << refused.error_message();
    const absl::Status status = client::FromGrpcStatus(refused);
    EXPECT_EQ(client::ErrorInfoOf(status)->reason(), "TOO_MANY_STREAMS");
    EXPECT_TRUE(client::RetryDelayOf(status).has_value());
  }
  EXPECT_TRUE(GetIndicator(*stub).ok());  // Unary calls are not streams.
  watching.TryCancel();
  watch->Finish().IgnoreError();
  // Its place is given back: a stream is admitted again.
  bool admitted = false;
  for (int i = 0; i < 100 && !admitted; ++i) {
    grpc::ClientContext context;
    auto stream =
        stub->StreamObservations(&context, v1::StreamObservationsRequest());
    v1::StreamObservationsResponse message;
    admitted = stream->Read(&message);
    while (stream->Read(&message)) {
    }
    stream->Finish().IgnoreError();
    if (!admitted) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_TRUE(admitted);
}

TEST_F(QuotaTest, TheClientWaitsAsToldAndEveryCallSucceedsAtTheAllowedRate) {
  rpc::AuthOptions auth;
  auth.anonymous.requests_per_second = 10;
  ASSERT_NO_FATAL_FAILURE(Start(auth));
  IndicatorClient client(testing::Connect(*server_));
  const absl::Time start = absl::Now();
  for (int i = 0; i < 25; ++i) {
    auto indicator = client.GetIndicator("rd_intensity");
    ASSERT_TRUE(indicator.ok()) << "call " << i << ": " << indicator.status();
  }
  // 10 at once, then 15 at 10 a second: at least 1.5 s.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(1400));
  // A stream refused for the rate is started again as told.
  int rows = 0;
  absl::Status streamed =
      client.StreamObservations(v1::StreamObservationsRequest(),
                                [&](const v1::StreamObservationsResponse& m) {
                                  rows += m.observations_size();
                                  return true;
                                });
  EXPECT_TRUE(streamed.ok()) << streamed;
  EXPECT_GT(rows, 0);
}

}  // namespace
}  // namespace indicators
