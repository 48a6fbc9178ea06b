// The documented deployment: Debian's nginx terminating TLS in front of the
// server, with deploy/nginx/indicators.conf; the same clients work through it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "tests/e2e/nginx_front.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/test_pki.h"

namespace indicators::testing {
namespace {

TEST(NginxTest, TheSameClientsWorkThroughNginxWithTls) {
  ASSERT_EQ(access(NGINX_BINARY, X_OK), 0)
      << "nginx not found: run scripts/install-deps.sh";
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  TempDataset data;  // A scratch directory for nginx's files.

  // The server on loopback, plaintext, as deployed.
  Subprocess server(
      {SERVER_BINARY, "--listen=127.0.0.1:0", "--data=" + TestDataDir()});
  std::string line, address;
  ASSERT_TRUE(server.ReadLine(&line, absl::Seconds(30)));
  std::smatch match;
  ASSERT_TRUE(std::regex_search(
      line, match, std::regex("listening on (127\\.0\\.0\\.1:[0-9]+);")))
      << line;
  address = match[1];

  // The shipped configuration with this test's port, certificate and
  // upstream.
  NginxFront nginx(data.dir(), pki, {address});
  client::ConnectOptions tls{pki.Cert("ca"), "", ""};
  client::ClientOptions options;
  options.deadline = absl::Seconds(5);
  const std::string front = nginx.address();
  absl::StatusOr<client::IndicatorClient> client;
  absl::Status status;
  for (int attempt = 0; attempt < 50; ++attempt) {  // Until nginx listens.
    client = client::IndicatorClient::ConnectTls(front, tls, options);
    ASSERT_TRUE(client.ok());
    status = client->GetIndicator("rd_expenditure").status();
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(status.ok()) << status << "\n" << nginx.ErrorLog();

  v1::QueryObservationsRequest query;
  query.mutable_filter()->add_region_codes("CN-GD");
  query.mutable_filter()->set_start_period("2023");
  query.mutable_filter()->set_end_period("2023");
  query.mutable_filter()->add_source_ids("SEED");
  auto seed = client->QueryObservations(query);
  ASSERT_TRUE(seed.ok()) << seed.status();
  EXPECT_EQ(seed->observations_size(), 6);

  int64_t streamed = 0;
  status = client->StreamObservations(
      {}, [&](const v1::StreamObservationsResponse& m) {
        streamed += m.observations_size();
        return true;
      });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(streamed, 416);

  // Errors and their details pass through unchanged.
  absl::Status missing = client->GetIndicator("nope").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(client::ErrorInfoOf(missing).has_value());
  EXPECT_EQ(client::ErrorInfoOf(missing)->reason(), "UNKNOWN_INDICATOR");

  // The command-line client too.
  std::string out;
  EXPECT_EQ(
      RunCommand({CLIENT_BINARY, "--target=" + front,
                  "--tls_ca_file=" + pki.Cert("ca"), "get-region", "CN-GD"},
                 &out),
      0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "Guangdong")) << out;

  // Plaintext to the TLS port fails.
  EXPECT_FALSE(client::IndicatorClient::Connect(front, options)
                   .GetIndicator("rd_expenditure")
                   .ok());
  server.Signal(SIGTERM);
}

}  // namespace
}  // namespace indicators::testing

namespace indicators::testing {
namespace {

// One TLS front for both ports: gRPC calls to the gRPC port, Connect calls
// (same paths, other content types) and downloads to the HTTP port.
TEST(NginxTest, GrpcAndHttpShareOneTlsFront) {
  ASSERT_EQ(access(NGINX_BINARY, X_OK), 0)
      << "nginx not found: run scripts/install-deps.sh";
  TestPki pki;
  ASSERT_TRUE(pki.ok());
  TempDataset data;
  Subprocess server({SERVER_BINARY, "--listen=127.0.0.1:0",
                     "--http_listen=127.0.0.1:0", "--data=" + TestDataDir()});
  std::string line, grpc_address, http_address;
  std::smatch match;
  while (http_address.empty() && server.ReadLine(&line, absl::Seconds(30))) {
    if (std::regex_search(
            line, match,
            std::regex("listening on (127\\.0\\.0\\.1:[0-9]+);"))) {
      grpc_address = match[1];
    }
    if (std::regex_search(
            line, match,
            std::regex("http on http://(127\\.0\\.0\\.1:[0-9]+)/"))) {
      http_address = match[1];
    }
  }
  ASSERT_FALSE(http_address.empty()) << server.output();
  NginxFront nginx(data.dir(), pki, {grpc_address}, {http_address});
  const std::string base = "https://" + nginx.address();

  std::string out;
  int code = 1;
  for (int attempt = 0; attempt < 50 && code != 0; ++attempt) {
    code = RunCommand({"curl", "-sS", "--fail-with-body", "--cacert",
                       pki.Cert("ca"), "-H", "Content-Type: application/json",
                       "--data-binary", R"({"id":"rd_expenditure"})",
                       base + "/indicators.v1.IndicatorService/GetIndicator"},
                      &out);
    if (code != 0) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_EQ(code, 0) << out << "\n" << nginx.ErrorLog();
  EXPECT_TRUE(absl::StrContains(out, R"("unitMultiplier":9)")) << out;

  // A server stream over Connect passes through unbuffered, whole.
  const std::string request = data.dir() + "/request";
  const std::string json = R"({"filter":{"indicatorIds":["rd_expenditure"]}})";
  std::string envelope(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) {
    envelope.push_back(static_cast<char>((json.size() >> shift) & 0xff));
  }
  std::ofstream(request, std::ios::binary) << envelope << json;
  ASSERT_EQ(
      RunCommand({"curl", "-sS", "--fail", "--cacert", pki.Cert("ca"), "-H",
                  "Content-Type: application/connect+json", "--data-binary",
                  "@" + request,
                  base + "/indicators.v1.IndicatorService/StreamObservations"},
                 &out),
      0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, R"({"observations":[)"));
  EXPECT_TRUE(absl::EndsWith(out, std::string("\x02\0\0\0\x02{}", 7))) << out;

  ASSERT_EQ(RunCommand(
                {"curl", "-sS", "--fail", "--cacert", pki.Cert("ca"),
                 base + "/v1/observations.csv?indicator_ids=rd_expenditure&"
                        "region_codes=CN-GD&start_period=2023&end_period=2023"},
                &out),
            0)
      << out;
  EXPECT_TRUE(absl::StartsWith(out, "indicator_id,region_code,period,value"));
  EXPECT_TRUE(absl::StrContains(out, "rd_expenditure,CN-GD,2023,")) << out;

  // gRPC still reaches the gRPC port through the same listener.
  client::ConnectOptions tls{pki.Cert("ca"), "", ""};
  auto client = client::IndicatorClient::ConnectTls(nginx.address(), tls, {});
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE(client->GetIndicator("rd_expenditure").ok());
}

}  // namespace
}  // namespace indicators::testing
