// The C++ client over the generated gMock stub, as users test their own code:
// no server, the client's own behaviour (status mapping, retry of a reset
// call, stream reassembly) checked against scripted answers.

#include <gmock/gmock.h>
#include <grpcpp/test/mock_stream.h>
#include <gtest/gtest.h>

#include <memory>

#include "client/cpp/indicator_client.h"
#include "indicators/v1/indicator_service_mock.grpc.pb.h"

namespace indicators::client {
namespace {

using ::testing::_;
using ::testing::DoAll;
using ::testing::Return;
using ::testing::SetArgPointee;

TEST(ClientMockTest, UnaryCallsGoThroughTheStubInterface) {
  auto stub = std::make_unique<v1::MockIndicatorServiceStub>();
  v1::Indicator indicator;
  indicator.set_id("rd_expenditure");
  indicator.set_unit_multiplier(9);
  EXPECT_CALL(*stub, GetIndicator(_, testing::Truly([](const auto& r) {
                                    return r.id() == "rd_expenditure";
                                  }),
                                  _))
      .WillOnce(DoAll(SetArgPointee<2>(indicator), Return(grpc::Status::OK)));
  EXPECT_CALL(
      *stub,
      GetIndicator(
          _, testing::Truly([](const auto& r) { return r.id() == "nope"; }), _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::NOT_FOUND,
                                    "id: unknown indicator \"nope\"")));
  const IndicatorClient client(std::move(stub));
  auto found = client.GetIndicator("rd_expenditure");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->unit_multiplier(), 9);
  auto missing = client.GetIndicator("nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "id: unknown indicator \"nope\"");
}

// Behind a proxy, a unary call reset under the client (CANCELLED) is made
// again; without a service config it is not.
TEST(ClientMockTest, AResetCallIsMadeAgainOnlyWhenBalancing) {
  const grpc::Status reset(grpc::StatusCode::CANCELLED, "stream reset");
  auto stub = std::make_unique<v1::MockIndicatorServiceStub>();
  EXPECT_CALL(*stub, GetDatasetInfo(_, _, _))
      .WillOnce(Return(reset))
      .WillOnce(Return(grpc::Status::OK));
  ClientOptions proxied;
  proxied.service_config = ClientOptions::ServiceConfig::kProxy;
  EXPECT_TRUE(IndicatorClient(std::move(stub), proxied).GetDatasetInfo().ok());

  auto direct_stub = std::make_unique<v1::MockIndicatorServiceStub>();
  EXPECT_CALL(*direct_stub, GetDatasetInfo(_, _, _)).WillOnce(Return(reset));
  ClientOptions direct;
  direct.service_config = ClientOptions::ServiceConfig::kNone;
  EXPECT_EQ(IndicatorClient(std::move(direct_stub), direct)
                .GetDatasetInfo()
                .status()
                .code(),
            absl::StatusCode::kCancelled);
}

TEST(ClientMockTest, StreamHandsOverEveryMessage) {
  auto stub = std::make_unique<v1::MockIndicatorServiceStub>();
  auto* reader =
      new grpc::testing::MockClientReader<v1::StreamObservationsResponse>();
  v1::StreamObservationsResponse first, second;
  first.add_observations()->set_period("2022");
  second.add_observations()->set_period("2023");
  second.add_observations()->set_period("2024");
  EXPECT_CALL(*reader, Read(_))
      .WillOnce(DoAll(SetArgPointee<0>(first), Return(true)))
      .WillOnce(DoAll(SetArgPointee<0>(second), Return(true)))
      .WillOnce(Return(false));
  EXPECT_CALL(*reader, Finish()).WillOnce(Return(grpc::Status::OK));
  EXPECT_CALL(*stub, StreamObservationsRaw(_, _)).WillOnce(Return(reader));
  const IndicatorClient client(std::move(stub));
  std::vector<std::string> periods;
  ASSERT_TRUE(client
                  .StreamObservations(
                      v1::StreamObservationsRequest(),
                      [&](const v1::StreamObservationsResponse& message) {
                        for (const auto& o : message.observations())
                          periods.push_back(o.period());
                        return true;
                      })
                  .ok());
  EXPECT_EQ(periods, (std::vector<std::string>{"2022", "2023", "2024"}));
}

}  // namespace
}  // namespace indicators::client
