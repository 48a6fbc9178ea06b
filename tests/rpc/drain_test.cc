// Draining with a lame-duck phase: health turns NOT_SERVING under every name
// while calls are still answered, then new calls are refused with
// UNAVAILABLE; no call is ever answered CANCELLED by the server's shutdown.

#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/testing/test_server.h"

namespace indicators {
namespace {

using client::IndicatorClient;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

constexpr absl::Duration kLameDuck = absl::Seconds(1);

std::unique_ptr<rpc::Server> StartDrainableServer() {
  testing::TestServerOptions options;
  options.server.lame_duck = kLameDuck;
  options.server.drain_timeout = absl::Seconds(2);
  return testing::StartTestServer(options);
}

// Counts call outcomes by code; remembers whether a call succeeded after the
// server had started draining.
class Outcomes {
 public:
  void Add(const absl::Status& status, bool draining) {
    absl::MutexLock lock(&mu_);
    ++by_code_[static_cast<int>(status.code())];
    if (status.ok() && draining) ++ok_while_draining_;
    if (!status.ok() && status.code() != absl::StatusCode::kUnavailable) {
      unexpected_.push_back(status);
    }
  }
  int count(absl::StatusCode code) {
    absl::MutexLock lock(&mu_);
    return by_code_[static_cast<int>(code)];
  }
  int ok_while_draining() {
    absl::MutexLock lock(&mu_);
    return ok_while_draining_;
  }
  std::vector<absl::Status> unexpected() {
    absl::MutexLock lock(&mu_);
    return unexpected_;
  }

 private:
  absl::Mutex mu_;
  std::map<int, int> by_code_ ABSL_GUARDED_BY(mu_);
  int ok_while_draining_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<absl::Status> unexpected_ ABSL_GUARDED_BY(mu_);
};

// An idle connection stays open through the drain; single calls on it at
// chosen moments after the signal are answered in the lame-duck phase and
// refused with UNAVAILABLE (which retry policies retry) after it, never
// CANCELLED.
TEST(DrainTest, AnIdleConnectionIsServedInLameDuckThenRefusedNeverCancelled) {
  auto server = StartDrainableServer();
  ASSERT_NE(server, nullptr);
  IndicatorClient client(testing::Connect(*server));
  ASSERT_TRUE(client.GetIndicator("rd_intensity").ok());  // Connected, idle.
  absl::SleepFor(absl::Milliseconds(100));

  const absl::Time signal = absl::Now();
  std::thread drainer([&] { server->Drain(); });
  auto call_at = [&](absl::Duration after_signal) {
    absl::SleepFor(signal + after_signal - absl::Now());
    return client.GetIndicator("rd_intensity").status();
  };
  // In the lame-duck phase (it ends at kLameDuck): still answered.
  for (absl::Duration at : {absl::Milliseconds(50), kLameDuck / 2}) {
    const absl::Status status = call_at(at);
    EXPECT_TRUE(status.ok()) << "at " << at << ": " << status;
  }
  // After it, well clear of the instant the server stops accepting calls:
  // refused, never cancelled.
  for (absl::Duration at :
       {kLameDuck + absl::Milliseconds(300), kLameDuck + absl::Seconds(1),
        kLameDuck + absl::Seconds(2)}) {
    const absl::Status status = call_at(at);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable)
        << "at " << at << ": " << status;
  }
  drainer.join();
}

// A stream whose reader stops after its first message: the HTTP/2 window
// (1 KiB, no BDP probing) then holds the server's next write, so the call
// stays in flight until `ReadAll`.
class SlowStream {
 public:
  explicit SlowStream(const rpc::Server& server) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    stub_ = v1::IndicatorService::NewStub(grpc::CreateCustomChannel(
        server.address(), grpc::InsecureChannelCredentials(), args));
    reader_ = stub_->StreamObservations(&context_, {});
  }
  bool ReadOne() { return reader_->Read(&message_); }
  // Reads to the end; returns the stream's status and counts the messages.
  grpc::Status ReadAll(int* messages) {
    while (reader_->Read(&message_)) ++*messages;
    return reader_->Finish();
  }

 private:
  std::unique_ptr<v1::IndicatorService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::StreamObservationsResponse>> reader_;
  v1::StreamObservationsResponse message_;
};

// A client that does not check health, on an idle open connection, while a
// call in flight keeps the draining server up: each call after the lame duck
// is refused UNAVAILABLE with the reason SHUTTING_DOWN (by the service, which
// says so, not by gRPC's shutdown, which answers CANCELLED), at every moment
// of the drain, in every round; the call in flight then finishes whole and
// the drain ends with it, well before its timeout.
TEST(DrainTest, CallsAfterTheLameDuckAreRefusedUnavailableEveryTime) {
  constexpr absl::Duration kShortLameDuck = absl::Milliseconds(200);
  constexpr absl::Duration kDrainTimeout = absl::Seconds(8);
  for (int round = 0; round < 5; ++round) {
    testing::TestServerOptions options;
    options.server.lame_duck = kShortLameDuck;
    options.server.drain_timeout = kDrainTimeout;
    options.server.stream_batch_size = 1;  // Hundreds of small messages.
    auto server = testing::StartTestServer(options);
    ASSERT_NE(server, nullptr);
    IndicatorClient client(testing::Connect(*server));
    ASSERT_TRUE(client.GetIndicator("rd_intensity").ok());  // Connected, idle.
    SlowStream slow(*server);
    ASSERT_TRUE(slow.ReadOne());

    const absl::Time signal = absl::Now();
    absl::Time drained;
    std::thread drainer([&] {
      server->Drain();
      drained = absl::Now();
    });
    for (absl::Duration after :
         {absl::Milliseconds(50), absl::Milliseconds(400),
          absl::Milliseconds(700), absl::Seconds(1)}) {
      absl::SleepFor(signal + kShortLameDuck + after - absl::Now());
      const absl::Status status = client.GetIndicator("rd_intensity").status();
      EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable)
          << "round " << round << ", " << after
          << " after the lame duck: " << status;
      const std::optional<google::rpc::ErrorInfo> info =
          client::ErrorInfoOf(status);
      EXPECT_TRUE(info.has_value() && info->reason() == "SHUTTING_DOWN")
          << "round " << round << ", " << after
          << " after the lame duck: " << status;
    }
    int messages = 1;
    const absl::Time released = absl::Now();
    const grpc::Status finished = slow.ReadAll(&messages);
    EXPECT_TRUE(finished.ok()) << finished.error_message();
    EXPECT_GT(messages, 100) << "the stream in flight was cut short";
    drainer.join();
    // The drain ended with the last call, not at its timeout.
    EXPECT_LT(drained - released, absl::Seconds(2));
    if (::testing::Test::HasFailure()) break;
  }
}

// A call in flight past the drain timeout is cancelled then, and the drain
// returns: it never waits longer than its timeout for a caller.
TEST(DrainTest, ACallInFlightPastTheDrainTimeoutIsCancelledThen) {
  testing::TestServerOptions options;
  options.server.lame_duck = absl::Milliseconds(100);
  options.server.drain_timeout = absl::Milliseconds(500);
  options.server.stream_batch_size = 1;
  auto server = testing::StartTestServer(options);
  ASSERT_NE(server, nullptr);
  SlowStream slow(*server);
  ASSERT_TRUE(slow.ReadOne());
  const absl::Time start = absl::Now();
  server->Drain();
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(600));
  EXPECT_LT(took, absl::Seconds(3)) << "the drain outlived its timeout";
  int messages = 1;
  const grpc::Status finished = slow.ReadAll(&messages);
  EXPECT_FALSE(finished.ok()) << "the stream ended whole: it was not held";
}

// Busy clients configured as the README advises (client-side health checking
// under the service's name) stop sending to a draining server when its health
// turns NOT_SERVING: their calls succeed or fail UNAVAILABLE on the client,
// and none reaches the server as it shuts down.
TEST(DrainTest, BusyClientsThatCheckHealthLoseNoCallAndSeeNoCancelled) {
  auto server = StartDrainableServer();
  ASSERT_NE(server, nullptr);
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(R"({
    "loadBalancingConfig": [{"round_robin": {}}],
    "healthCheckConfig": {"serviceName": "indicators.v1.IndicatorService"}
  })");
  IndicatorClient client(grpc::CreateCustomChannel(
      server->address(), grpc::InsecureChannelCredentials(), args));
  std::atomic<bool> draining{false}, stop{false};
  Outcomes outcomes;
  std::vector<std::thread> load;
  for (int t = 0; t < 4; ++t) {
    load.emplace_back([&, t] {
      while (!stop) {
        const bool during = draining;
        if (t == 0) {
          outcomes.Add(
              client.StreamObservations({}, [](const auto&) { return true; }),
              during);
        } else {
          v1::QueryObservationsRequest request;
          request.mutable_filter()->add_region_codes("CN-GD");
          outcomes.Add(client.QueryObservations(request).status(), during);
        }
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(300));
  draining = true;
  server->Drain();
  absl::SleepFor(absl::Milliseconds(200));
  stop = true;
  for (auto& t : load) t.join();
  EXPECT_GT(outcomes.count(absl::StatusCode::kOk), 10);
  EXPECT_GT(outcomes.count(absl::StatusCode::kUnavailable), 0);
  for (const absl::Status& s : outcomes.unexpected()) {
    ADD_FAILURE() << "a call was answered " << s;
  }
}

TEST(DrainTest, HealthWatchersHearNotServingUnderEveryNameWhileCallsSucceed) {
  auto server = StartDrainableServer();
  ASSERT_NE(server, nullptr);
  auto channel = testing::Connect(*server);
  auto health = grpc::health::v1::Health::NewStub(channel);
  for (const std::string name : {"", "indicators.v1.IndicatorService"}) {
    grpc::ClientContext context;
    HealthCheckRequest request;
    request.set_service(name);
    HealthCheckResponse response;
    ASSERT_TRUE(health->Check(&context, request, &response).ok()) << name;
    EXPECT_EQ(response.status(), HealthCheckResponse::SERVING) << name;
  }

  struct Watcher {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> reader;
  };
  std::vector<std::unique_ptr<Watcher>> watchers;
  for (const std::string name : {"", "indicators.v1.IndicatorService"}) {
    auto w = std::make_unique<Watcher>();
    HealthCheckRequest request;
    request.set_service(name);
    w->reader = health->Watch(&w->context, request);
    HealthCheckResponse first;
    ASSERT_TRUE(w->reader->Read(&first)) << name;
    EXPECT_EQ(first.status(), HealthCheckResponse::SERVING) << name;
    watchers.push_back(std::move(w));
  }

  const absl::Time start = absl::Now();
  std::thread drainer([&] { server->Drain(); });
  for (auto& w : watchers) {
    HealthCheckResponse next;
    ASSERT_TRUE(w->reader->Read(&next));
    EXPECT_EQ(next.status(), HealthCheckResponse::NOT_SERVING);
  }
  const absl::Duration heard = absl::Now() - start;
  EXPECT_LT(heard, kLameDuck / 2) << "watchers heard NOT_SERVING late";
  // Still answering in the lame-duck phase.
  IndicatorClient client(channel);
  EXPECT_TRUE(client.GetIndicator("rd_intensity").ok());
  for (auto& w : watchers) w->context.TryCancel();
  drainer.join();
}

}  // namespace
}  // namespace indicators
