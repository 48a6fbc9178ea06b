// TLS, mutual TLS and bearer tokens over every method, on 127.0.0.1.

#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>

#include <fstream>
#include <future>

#include "client/cpp/indicator_client.h"
#include "server/core/load/dataset_loader.h"
#include "server/rpc/auth.h"
#include "server/rpc/server.h"
#include "tests/testing/test_pki.h"
#include "tests/testing/test_server.h"

namespace indicators {
namespace {

using client::ClientOptions;
using client::IndicatorClient;

std::unique_ptr<rpc::Server> StartServer(rpc::ServerOptions options) {
  testing::TestServerOptions test_options;
  test_options.server = std::move(options);
  return testing::StartTestServer(test_options);
}

// One call of each method, returning its status.
std::vector<
    std::pair<std::string, std::function<absl::Status(const IndicatorClient&)>>>
EveryMethod() {
  return {
      {"ListIndicators", [](auto& c) { return c.ListIndicators({}).status(); }},
      {"GetIndicator",
       [](auto& c) { return c.GetIndicator("rd_intensity").status(); }},
      {"ListRegions", [](auto& c) { return c.ListRegions({}).status(); }},
      {"GetRegion", [](auto& c) { return c.GetRegion("CN-GD").status(); }},
      {"ListSources", [](auto& c) { return c.ListSources({}).status(); }},
      {"GetSource", [](auto& c) { return c.GetSource("SEED").status(); }},
      {"QueryObservations",
       [](auto& c) { return c.QueryObservations({}).status(); }},
      {"StreamObservations",
       [](auto& c) {
         return c.StreamObservations({}, [](const auto&) { return true; });
       }},
      {"GetDatasetInfo", [](auto& c) { return c.GetDatasetInfo().status(); }},
      {"ReloadDataset", [](auto& c) { return c.ReloadDataset().status(); }},
      {"GetObservationHistory",
       [](auto& c) {
         return c.GetObservationHistory("rd_expenditure", "CN-GD", "2023")
             .status();
       }},
      {"IngestObservations",
       [](auto& c) {
         v1::IngestObservationsRequest request;
         request.add_withdrawals()->set_indicator_id("rd_expenditure");
         return c.IngestObservations(request).status();
       }},
  };
}

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tokens_file_ = data_.dir() + "/tokens";
    std::ofstream(tokens_file_) << "# test tokens\n"
                                << rpc::HashToken("read-token") << " read\n"
                                << rpc::HashToken("admin-token") << " admin\n"
                                << rpc::HashToken("write-token") << " write\n";
  }
  IndicatorClient Client(const rpc::Server& server, const std::string& token) {
    ClientOptions options;
    options.bearer_token = token;
    return IndicatorClient(
        grpc::CreateChannel(server.address(),
                            grpc::InsecureChannelCredentials()),
        options);
  }
  testing::TempDataset data_;
  std::string tokens_file_;
};

TEST_F(AuthTest, EveryMethodWhenReadsNeedATokenToo) {
  rpc::ServerOptions options;
  options.auth = {tokens_file_, /*require_read_token=*/true};
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  for (const auto& [method, call] : EveryMethod()) {
    const bool admin = method == "ReloadDataset";
    const bool write = method == "IngestObservations";
    EXPECT_EQ(call(Client(*server, "")).code(),
              absl::StatusCode::kUnauthenticated)
        << method;
    EXPECT_EQ(call(Client(*server, "forged")).code(),
              absl::StatusCode::kUnauthenticated)
        << method;
    EXPECT_EQ(call(Client(*server, "read-token")).code(),
              admin || write ? absl::StatusCode::kPermissionDenied
                             : absl::StatusCode::kOk)
        << method;
    // This server serves files: ingest is refused even with the right scope.
    EXPECT_EQ(
        call(Client(*server, "admin-token")).code(),
        write ? absl::StatusCode::kPermissionDenied : absl::StatusCode::kOk)
        << method;
    EXPECT_EQ(call(Client(*server, "write-token")).code(),
              write   ? absl::StatusCode::kFailedPrecondition
              : admin ? absl::StatusCode::kPermissionDenied
                      : absl::StatusCode::kOk)
        << method;
  }
}

TEST_F(AuthTest, OpenReadsButReloadAndIngestAlwaysNeedAToken) {
  rpc::ServerOptions options;
  options.auth = {tokens_file_, /*require_read_token=*/false};
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  for (const auto& [method, call] : EveryMethod()) {
    const absl::Status status = call(Client(*server, ""));
    if (method == "ReloadDataset" || method == "IngestObservations") {
      EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
    } else {
      EXPECT_TRUE(status.ok()) << method << ": " << status;
    }
  }
  auto reloaded = Client(*server, "admin-token").ReloadDataset();
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_TRUE(reloaded->outcome().succeeded());
  EXPECT_EQ(reloaded->outcome().trigger(), "ReloadDataset");
}

TEST_F(AuthTest, AReadTokenCannotReloadWhileAnAdminTokenCanAlsoRead) {
  rpc::ServerOptions options;
  options.auth = {tokens_file_, /*require_read_token=*/false};
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  const absl::Status denied =
      Client(*server, "read-token").ReloadDataset().status();
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied) << denied;
  EXPECT_EQ(denied.message(), "this method needs the admin scope");
  EXPECT_TRUE(Client(*server, "admin-token").GetIndicator("rd_intensity").ok());
  EXPECT_TRUE(Client(*server, "admin-token").ReloadDataset().ok());
}

TEST_F(AuthTest, ARejectedReloadIsFailedPreconditionAndTheOldVersionServes) {
  testing::TempDataset data;
  rpc::ServerOptions options;
  options.auth = {tokens_file_, /*require_read_token=*/false};
  testing::TestServerOptions test_options;
  test_options.server = options;
  test_options.data_dir = data.dir();
  auto server = testing::StartTestServer(test_options);
  ASSERT_NE(server, nullptr);
  IndicatorClient admin = Client(*server, "admin-token");
  auto before = admin.GetDatasetInfo();
  ASSERT_TRUE(before.ok());
  data.Write("observations.csv",
             data.Read("observations.csv") +
                 "rd_intensity,CN,2030,x,exact,final,S1,\n");
  const absl::Status rejected = admin.ReloadDataset().status();
  EXPECT_EQ(rejected.code(), absl::StatusCode::kFailedPrecondition) << rejected;
  EXPECT_NE(rejected.message().find("still serving the previous version"),
            std::string::npos)
      << rejected;
  EXPECT_NE(rejected.message().find("observations.csv:"), std::string::npos)
      << rejected;
  auto after = admin.GetDatasetInfo();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->dataset().version(), before->dataset().version());
  EXPECT_FALSE(after->last_reload().succeeded());
  EXPECT_EQ(after->last_reload().trigger(), "ReloadDataset");
  EXPECT_NE(after->last_reload().error().find("observations.csv:"),
            std::string::npos);
}

TEST_F(AuthTest, WithoutATokensFileReloadIsRefused) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(Client(*server, "admin-token").ReloadDataset().status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(AuthTest, AnUnauthorizedCallerCannotLearnWhetherAnIdExists) {
  rpc::ServerOptions options;
  options.auth = {tokens_file_, /*require_read_token=*/true};
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  // Unknown and known ids, bad requests: all the same answer without a token.
  EXPECT_EQ(Client(*server, "").GetIndicator("nope").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Client(*server, "").GetIndicator("rd_intensity").status().code(),
            absl::StatusCode::kUnauthenticated);
  v1::ListSourcesRequest bad;
  bad.set_page_size(-1);
  EXPECT_EQ(Client(*server, "").ListSources(bad).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// Authorization comes before the request is read: bytes that are not a
// request at all get PERMISSION_DENIED without the write scope, and
// INVALID_ARGUMENT (not a request) only with it.
TEST_F(AuthTest, IngestWithoutTheWriteScopeIsDeniedBeforeParsing) {
  rpc::ServerOptions options;
  options.auth = {tokens_file_, /*require_read_token=*/false};
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto channel = grpc::CreateChannel(server->address(),
                                     grpc::InsecureChannelCredentials());
  auto call = [&](const std::string& token) {
    grpc::GenericStub stub(channel);
    grpc::ClientContext context;
    context.AddMetadata("authorization", "Bearer " + token);
    const std::string garbage = "\xff\xff\xff\xff not a message";
    grpc::Slice slice(garbage);
    grpc::ByteBuffer request(&slice, 1), response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context,
                   "/indicators.v1.IndicatorService/IngestObservations",
                   grpc::StubOptions(), &request, &response,
                   [&](grpc::Status status) { done.set_value(status); });
    return done.get_future().get().error_code();
  };
  EXPECT_EQ(call("read-token"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(call("admin-token"), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(call("write-token"), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuthTest, ABadTokensFileIsRejectedNamingTheLine) {
  std::ofstream(tokens_file_)
      << rpc::HashToken("x") << " read\nnot-a-hash admin\n";
  rpc::ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.auth = {tokens_file_, false};
  auto dataset = LoadDataset(testing::TestDataDir());
  ASSERT_TRUE(dataset.ok());
  auto server = rpc::Server::Start(options, std::make_shared<const ServiceCore>(
                                                *dataset, PageTokenCodec("k")));
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(server.status().message().find(tokens_file_ + ":2:"),
            std::string::npos)
      << server.status();
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(pki_.ok()) << "openssl could not make certificates";
  }

  absl::Status Call(const rpc::Server& server,
                    const client::ConnectOptions& tls) {
    ClientOptions options;
    options.deadline = absl::Seconds(3);
    auto client = IndicatorClient::ConnectTls(server.address(), tls, options);
    if (!client.ok()) return client.status();
    return client->GetIndicator("rd_intensity").status();
  }
  absl::Status CallPlaintext(const rpc::Server& server) {
    ClientOptions options;
    options.deadline = absl::Seconds(3);
    return IndicatorClient::Connect(server.address(), options)
        .GetIndicator("rd_intensity")
        .status();
  }

  testing::TestPki pki_;
};

TEST_F(TlsTest, TlsServerRefusesPlaintextAndUntrustedClients) {
  rpc::ServerOptions options;
  options.tls_cert_file = pki_.Cert("server");
  options.tls_key_file = pki_.Key("server");
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(Call(*server, {pki_.Cert("ca"), "", ""}).ok());
  EXPECT_EQ(CallPlaintext(*server).code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Call(*server, {pki_.Cert("other_ca"), "", ""}).code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(TlsTest, MutualTlsNeedsAClientCertificateFromTheRightCa) {
  rpc::ServerOptions options;
  options.tls_cert_file = pki_.Cert("server");
  options.tls_key_file = pki_.Key("server");
  options.tls_client_ca_file = pki_.Cert("ca");
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(
      Call(*server, {pki_.Cert("ca"), pki_.Cert("client"), pki_.Key("client")})
          .ok());
  EXPECT_EQ(Call(*server, {pki_.Cert("ca"), "", ""}).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(Call(*server, {pki_.Cert("ca"), pki_.Cert("other_client"),
                           pki_.Key("other_client")})
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(CallPlaintext(*server).code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace indicators
