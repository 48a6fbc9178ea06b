// The documented deployment: Debian's nginx terminating TLS in front of the
// server, with deploy/nginx/indicators.conf; the same clients work through it.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/cpp/indicator_client.h"
#include "tests/e2e/subprocess.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/test_pki.h"

namespace indicators::testing {
namespace {

// Returns a port that was free a moment ago (nginx cannot report one).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

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

  // The shipped configuration with this test's port, certificate and upstream.
  const int port = FreePort();
  const std::string site = absl::StrReplaceAll(
      ReadAll(INDICATORS_SOURCE_DIR "/deploy/nginx/indicators.conf"),
      {{"listen 443 ssl", absl::StrCat("listen 127.0.0.1:", port, " ssl")},
       {"/etc/ssl/indicators/server.pem", pki.Cert("server")},
       {"/etc/ssl/indicators/server.key", pki.Key("server")},
       {"127.0.0.1:50051", address}});
  const std::string dir = data.dir();
  std::ofstream(dir + "/site.conf") << site;
  std::ofstream(dir + "/nginx.conf")
      << (geteuid() == 0 ? "user root;\n" : "") << "worker_processes 1;\n"
      << "pid " << dir << "/nginx.pid;\n"
      << "error_log " << dir << "/error.log warn;\n"
      << "events { worker_connections 256; }\n"
      << "http {\n  access_log off;\n"
      << "  client_body_temp_path " << dir << "/body;\n"
      << "  proxy_temp_path " << dir << "/proxy;\n"
      << "  fastcgi_temp_path " << dir << "/fastcgi;\n"
      << "  uwsgi_temp_path " << dir << "/uwsgi;\n"
      << "  scgi_temp_path " << dir << "/scgi;\n"
      << "  include " << dir << "/site.conf;\n}\n";
  Subprocess nginx({NGINX_BINARY, "-p", dir, "-c", dir + "/nginx.conf", "-g",
                    "daemon off;"});

  client::ConnectOptions tls{pki.Cert("ca"), "", ""};
  client::ClientOptions options;
  options.deadline = absl::Seconds(5);
  const std::string front = absl::StrCat("127.0.0.1:", port);
  absl::StatusOr<client::IndicatorClient> client;
  absl::Status status;
  for (int attempt = 0; attempt < 50; ++attempt) {  // Until nginx listens.
    client = client::IndicatorClient::ConnectTls(front, tls, options);
    ASSERT_TRUE(client.ok());
    status = client->GetIndicator("rd_expenditure").status();
    if (status.ok()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(status.ok()) << status << "\n" << ReadAll(dir + "/error.log");

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
  nginx.Signal(SIGTERM);
  server.Signal(SIGTERM);
}

}  // namespace
}  // namespace indicators::testing
