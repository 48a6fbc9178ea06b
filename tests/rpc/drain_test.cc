// Draining with a lame-duck phase: health turns NOT_SERVING under every name
// while calls are still answered, then new calls are refused with
// UNAVAILABLE; no call is ever answered CANCELLED by the server's shutdown.

#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
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
