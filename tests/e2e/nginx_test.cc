// The documented deployment: Debian's nginx terminating TLS in front of the
// server, with deploy/nginx/indicators.conf; the same clients work through it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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
