// The HTTP surface from outside: the built `indicators-server` with
// --http_listen on 127.0.0.1 (port 0), called with curl and with
// `buf curl --protocol connect`, as a user without our clients would.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::testing {
namespace {

constexpr char kService[] = "/indicators.v1.IndicatorService/";

// The server with its gRPC, metrics and HTTP addresses.
class HttpServerProcess {
 public:
  explicit HttpServerProcess(const std::vector<std::string>& flags = {}) {
    std::vector<std::string> argv = {
        SERVER_BINARY,
        "--listen=127.0.0.1:0",
        "--http_listen=127.0.0.1:0",
        "--metrics_listen=127.0.0.1:0",
        "--lame_duck=100ms",
        "--http_cors_origins=https://explorer.example",
        "--data=" + TestDataDir()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process_ = std::make_unique<Subprocess>(argv);
    std::string line;
    std::smatch match;
    while (process_->ReadLine(&line, absl::Seconds(30))) {
      if (std::regex_search(
              line, match,
              std::regex("listening on (127\\.0\\.0\\.1:[0-9]+);"))) {
        grpc_address_ = match[1];
      }
      if (std::regex_search(line, match,
                            std::regex("metrics on http://127\\.0\\.0\\.1:"
                                       "([0-9]+)/metrics"))) {
        metrics_port_ = std::stoi(match[1]);
      }
      if (std::regex_search(
              line, match,
              std::regex("http on (http://127\\.0\\.0\\.1:[0-9]+)/"))) {
        base_ = match[1];
        break;
      }
    }
  }
  const std::string& base() const { return base_; }
  const std::string& grpc_address() const { return grpc_address_; }
  int metrics_port() const { return metrics_port_; }
  Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<Subprocess> process_;
  std::string base_;
  std::string grpc_address_;
  int metrics_port_ = 0;
};

// What curl saw: the status, the headers (lower-case names) and the body.
struct Answer {
  int status = 0;
  std::string headers;
  std::string body;
};

class HttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new HttpServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(server_->base().empty())
        << "server did not start: " << server_->process().output();
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat(
               "indicators-http-", getpid(), "-",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs curl with `args` (the URL among them); the body is read back as
  // bytes from a file, the headers from another.
  Answer Curl(std::vector<std::string> args) {
    const std::string body = (dir_ / "body").string();
    const std::string headers = (dir_ / "headers").string();
    std::filesystem::remove(body);
    std::filesystem::remove(headers);
    args.insert(args.begin(), {"curl", "-sS", "-o", body, "-D", headers, "-w",
                               "%{http_code}", "--max-time", "20"});
    std::string out;
    Answer answer;
    EXPECT_EQ(RunCommand(args, &out), 0) << out;
    answer.status = std::atoi(out.c_str());
    answer.body = Slurp(body);
    answer.headers = Slurp(headers);
    for (char& c : answer.headers) c = std::tolower(c);
    return answer;
  }

  Answer PostJson(const std::string& method, const std::string& json,
                  std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-H", "Content-Type: application/json",
                                     "--data-binary", json};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(server_->base() + kService + method);
    return Curl(args);
  }

  // Posts `json` to the server-streaming `method` in Connect's envelope.
  Answer PostStream(const std::string& method, const std::string& json) {
    const std::string request = (dir_ / "request").string();
    std::ofstream(request, std::ios::binary) << Envelope(0, json);
    return Curl({"-H", "Content-Type: application/connect+json",
                 "--data-binary", "@" + request,
                 server_->base() + kService + method});
  }

  static std::string Envelope(uint8_t flags, const std::string& payload) {
    std::string out(1, static_cast<char>(flags));
    const auto n = static_cast<uint32_t>(payload.size());
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((n >> shift) & 0xff));
    }
    return out + payload;
  }

  // Splits a stream's body into its envelopes: (flags, payload) each.
  static std::vector<std::pair<int, std::string>> Envelopes(
      const std::string& body) {
    std::vector<std::pair<int, std::string>> out;
    size_t at = 0;
    while (at + 5 <= body.size()) {
      uint32_t n = 0;
      for (int i = 1; i <= 4; ++i) {
        n = (n << 8) | static_cast<uint8_t>(body[at + i]);
      }
      if (at + 5 + n > body.size()) break;
      out.emplace_back(static_cast<uint8_t>(body[at]), body.substr(at + 5, n));
      at += 5 + n;
    }
    EXPECT_EQ(at, body.size()) << "trailing bytes after the last envelope";
    return out;
  }

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  std::filesystem::path dir_;
  static HttpServerProcess* server_;
};

HttpServerProcess* HttpTest::server_ = nullptr;

TEST_F(HttpTest, UnaryJsonPostAndGetGiveTheSameAnswer) {
  const std::string request = R"({"id":"rd_expenditure"})";
  const Answer post = PostJson("GetIndicator", request);
  ASSERT_EQ(post.status, 200) << post.body;
  EXPECT_TRUE(absl::StrContains(post.headers, "content-type: application/json"))
      << post.headers;
  EXPECT_TRUE(absl::StrContains(post.body, R"("unitMultiplier":9)"))
      << post.body;
  const Answer get =
      Curl({"-G", "--data-urlencode", "encoding=json", "--data-urlencode",
            "message=" + request, server_->base() + kService + "GetIndicator"});
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.body, post.body);
}

TEST_F(HttpTest, ErrorsCarryTheCodeReasonAndFieldWithConnectsHttpStatus) {
  const Answer unknown = PostJson("GetIndicator", R"({"id":"no_such"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_TRUE(absl::StrContains(unknown.body, R"("code":"not_found")"));
  EXPECT_TRUE(
      absl::StrContains(unknown.body, R"("reason":"UNKNOWN_INDICATOR")"))
      << unknown.body;
  EXPECT_TRUE(absl::StrContains(unknown.body, R"("field":"id")"))
      << unknown.body;
  EXPECT_TRUE(
      absl::StrContains(unknown.body, R"("type":"google.rpc.ErrorInfo")"));

  const Answer bad_period =
      PostJson("QueryObservations", R"({"filter":{"startPeriod":"20x3"}})");
  EXPECT_EQ(bad_period.status, 400);
  EXPECT_TRUE(
      absl::StrContains(bad_period.body, R"("reason":"INVALID_PERIOD")"))
      << bad_period.body;
  EXPECT_TRUE(absl::StrContains(bad_period.body, "filter.start_period"));

  // JSON that is not the request: named as gRPC names undecodable bytes.
  const Answer not_request = PostJson("GetIndicator", R"({"idd":"x"})");
  EXPECT_EQ(not_request.status, 400);
  EXPECT_TRUE(
      absl::StrContains(not_request.body, R"("reason":"INVALID_REQUEST")"))
      << not_request.body;
  EXPECT_TRUE(absl::StrContains(not_request.body, "idd")) << not_request.body;

  const Answer no_token = PostJson("ReloadDataset", "{}");
  EXPECT_EQ(no_token.status, 401) << no_token.body;
  EXPECT_TRUE(absl::StrContains(no_token.body, R"("code":"unauthenticated")"));

  const Answer too_large =
      PostJson("SearchCatalog",
               absl::StrCat(R"({"query":")", std::string(70000, 'x'), R"("})"));
  EXPECT_EQ(too_large.status, 429) << too_large.body;
  EXPECT_TRUE(
      absl::StrContains(too_large.body, R"("code":"resource_exhausted")"));

  const Answer timeout = PostJson("GetIndicator", R"({"id":"rd_expenditure"})",
                                  {"-H", "Connect-Timeout-Ms: soon"});
  EXPECT_EQ(timeout.status, 400);
  EXPECT_TRUE(
      absl::StrContains(timeout.body, R"("field":"Connect-Timeout-Ms")"))
      << timeout.body;
}

TEST_F(HttpTest, WhatIsNotAnRpcCallIsRefusedClearly) {
  const Answer path = Curl({server_->base() + "/no/such/path"});
  EXPECT_EQ(path.status, 404);
  const Answer method = PostJson("NoSuchMethod", "{}");
  EXPECT_EQ(method.status, 404);
  // A stream cannot be a GET, and a call that changes state is never one.
  EXPECT_EQ(Curl({server_->base() + kService + "StreamObservations"}).status,
            405);
  const Answer reload = Curl({server_->base() + kService + "ReloadDataset"});
  EXPECT_EQ(reload.status, 405);
  EXPECT_TRUE(absl::StrContains(reload.headers, "allow: post"));
  const Answer type = Curl({"-H", "Content-Type: text/plain", "--data-binary",
                            "{}", server_->base() + kService + "GetIndicator"});
  EXPECT_EQ(type.status, 415) << type.body;
  EXPECT_TRUE(absl::StrContains(type.body, "application/json")) << type.body;
}

TEST_F(HttpTest, ServerStreamsAreEnvelopesEndedByTheEndOfStreamMessage) {
  const Answer ok =
      PostStream("StreamObservations",
                 R"({"filter":{"indicatorIds":["rd_expenditure"]}})");
  ASSERT_EQ(ok.status, 200);
  EXPECT_TRUE(
      absl::StrContains(ok.headers, "content-type: application/connect+json"));
  const auto envelopes = Envelopes(ok.body);
  ASSERT_GE(envelopes.size(), 2u);
  for (size_t i = 0; i + 1 < envelopes.size(); ++i) {
    EXPECT_EQ(envelopes[i].first, 0);
    EXPECT_TRUE(absl::StartsWith(envelopes[i].second, R"({"observations":[)"))
        << envelopes[i].second;
  }
  EXPECT_EQ(envelopes.back().first, 2);
  EXPECT_EQ(envelopes.back().second, "{}");

  // An error comes in the end-of-stream message, with HTTP 200.
  const Answer bad = PostStream("StreamObservations",
                                R"({"filter":{"regionCodes":["XX-NOPE"]}})");
  ASSERT_EQ(bad.status, 200);
  const auto ended = Envelopes(bad.body);
  ASSERT_EQ(ended.size(), 1u) << bad.body;
  EXPECT_EQ(ended[0].first, 2);
  EXPECT_TRUE(
      absl::StrContains(ended[0].second, R"({"error":{"code":"not_found")"))
      << ended[0].second;
  EXPECT_TRUE(
      absl::StrContains(ended[0].second, R"("reason":"UNKNOWN_REGION")"));

  // A body that is not one envelope is refused in the same way.
  const std::string request = (dir_ / "raw").string();
  std::ofstream(request, std::ios::binary) << "{}";
  const Answer raw =
      Curl({"-H", "Content-Type: application/connect+json", "--data-binary",
            "@" + request, server_->base() + kService + "StreamObservations"});
  ASSERT_EQ(raw.status, 200);
  EXPECT_TRUE(absl::StrContains(raw.body, R"("code":"invalid_argument")"))
      << raw.body;
}

// Short streams at once: each ends on gRPC's threads while the HTTP thread
// that reads it may be between two messages, which is where a gateway that
// starts reads outside gRPC's reactions without holding the stream frees it
// too early (AddressSanitizer ends the server then).
TEST_F(HttpTest, ManyShortStreamsAtOnceAllEndWhole) {
  const std::string request = (dir_ / "request").string();
  std::ofstream(request, std::ios::binary) << Envelope(
      0, R"({"filter":{"indicatorIds":["rd_intensity"],"regionCodes":["CN"],)"
         R"("includeSubregions":true,"latestOnly":true}})");
  constexpr int kStreams = 60;
  std::vector<std::string> args = {"curl",
                                   "-sS",
                                   "--parallel",
                                   "--parallel-max",
                                   "6",
                                   "--max-time",
                                   "20",
                                   "-H",
                                   "Content-Type: application/connect+json",
                                   "--data-binary",
                                   "@" + request,
                                   "-w",
                                   "%{http_code}\n"};
  for (int i = 0; i < kStreams; ++i) {
    args.push_back("-o");
    args.push_back((dir_ / absl::StrCat("stream-", i)).string());
    args.push_back(server_->base() + kService + "StreamObservations");
  }
  std::string out;
  ASSERT_EQ(RunCommand(args, &out), 0) << out;
  // One status per transfer (curl's parallel progress meter may surround them).
  const std::vector<std::string> lines = absl::StrSplit(out, '\n');
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "200"), kStreams) << out;
  for (int i = 0; i < kStreams; ++i) {
    const auto envelopes =
        Envelopes(Slurp((dir_ / absl::StrCat("stream-", i)).string()));
    ASSERT_GE(envelopes.size(), 2u) << "stream " << i;
    EXPECT_EQ(envelopes.back().first, 2) << "stream " << i;
    EXPECT_EQ(envelopes.back().second, "{}") << "stream " << i;
  }
  EXPECT_EQ(PostJson("GetDatasetInfo", "{}").status, 200)
      << server_->process().output();
}

TEST_F(HttpTest, BrowsersOfAllowedOriginsMayCall) {
  const std::string url = server_->base() + kService + "GetIndicator";
  const Answer preflight =
      Curl({"-X", "OPTIONS", "-H", "Origin: https://explorer.example", "-H",
            "Access-Control-Request-Method: POST", url});
  EXPECT_EQ(preflight.status, 204);
  EXPECT_TRUE(absl::StrContains(
      preflight.headers,
      "access-control-allow-origin: https://explorer.example"))
      << preflight.headers;
  EXPECT_TRUE(absl::StrContains(preflight.headers, "connect-protocol-version"));
  const Answer allowed = PostJson("GetIndicator", R"({"id":"rd_expenditure"})",
                                  {"-H", "Origin: https://explorer.example"});
  EXPECT_TRUE(absl::StrContains(
      allowed.headers,
      "access-control-allow-origin: https://explorer.example"));
  const Answer other = PostJson("GetIndicator", R"({"id":"rd_expenditure"})",
                                {"-H", "Origin: https://elsewhere.example"});
  EXPECT_EQ(other.status, 200);
  EXPECT_FALSE(absl::StrContains(other.headers, "access-control-allow-origin"));
}

TEST_F(HttpTest, OneConnectionServesManyCalls) {
  const std::string url = server_->base() + kService + "GetRegion";
  std::string out;
  ASSERT_EQ(RunCommand({"curl", "-sS", "-v", "-o", "/dev/null", "-o",
                        "/dev/null", "-H", "Content-Type: application/json",
                        "--data-binary", R"({"code":"CN-GD"})", url, url},
                       &out),
            0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "Re-using existing connection")) << out;
}

TEST_F(HttpTest, CallsAreCountedUnderTheirProtocol) {
  const std::string series =
      "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"GetSource\","
      "grpc_service=\"indicators.v1.IndicatorService\",grpc_type=\"unary\","
      "protocol=\"connect\"}";
  const std::string grpc_series =
      "grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"GetSource\","
      "grpc_service=\"indicators.v1.IndicatorService\",grpc_type=\"unary\","
      "protocol=\"grpc\"}";
  const Samples before = Scrape(server_->metrics_port());
  ASSERT_EQ(before.count(series), 1u) << "no series " << series;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(PostJson("GetSource", R"({"id":"SEED"})").status, 200);
  }
  const Samples after = Scrape(server_->metrics_port());
  EXPECT_EQ(after.at(series) - before.at(series), 3);
  EXPECT_EQ(after.at(grpc_series), before.at(grpc_series));
}

// The README's curl examples' counterparts with buf curl over Connect.
TEST_F(HttpTest, BufCurlOverConnectCallsTheRpcs) {
  ASSERT_EQ(access(BUF_BINARY, X_OK), 0)
      << "buf not found: run npm ci in tools/";
  struct Case {
    const char* method;
    const char* body;
    const char* expected;
  } cases[] = {
      {"GetIndicator", R"({"id":"rd_expenditure"})", R"("unitMultiplier": 9)"},
      {"QueryObservations",
       R"({"filter":{"indicatorIds":["rd_expenditure"],"regionCodes":["CN-GD"],)"
       R"("startPeriod":"2023","endPeriod":"2023","sourceMode":"SOURCE_MODE_PREFERRED"}})",
       R"("value": 480.26)"},
      {"StreamObservations",
       R"({"filter":{"indicatorIds":["rd_intensity"],"regionCodes":["CN"],)"
       R"("includeSubregions":true,"latestOnly":true}})",
       R"("regionCode": "CN-GD")"},
      {"GetDatasetInfo", "{}", R"("observationCount": "416")"},
      {"SearchCatalog", R"({"query":"guangdon"})", R"("code": "CN-GD")"},
  };
  for (const Case& c : cases) {
    std::string out;
    ASSERT_EQ(RunCommand({BUF_BINARY, "curl", "--protocol", "connect",
                          "--schema", absl::StrCat(PROTOSET, "#format=binpb"),
                          "-d", c.body, server_->base() + kService + c.method},
                         &out),
              0)
        << c.method << "\n"
        << out;
    EXPECT_TRUE(absl::StrContains(out, c.expected)) << c.method << "\n" << out;
  }
}

// Returns the value of header `name` (lower case) in curl's header dump.
std::string HeaderValue(const std::string& headers, const std::string& name) {
  const size_t at = headers.find("\n" + name + ": ");
  if (at == std::string::npos) return "";
  const size_t start = at + name.size() + 3;
  return headers.substr(start, headers.find('\r', start) - start);
}

size_t Lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST_F(HttpTest, CsvDownloadIsTheClientsCsvOfTheSameQuery) {
  const std::string query =
      "indicator_ids=rd_expenditure,rd_intensity&region_codes=CN-GD,CN-BJ&"
      "source_mode=preferred";
  const Answer csv = Curl({server_->base() + "/v1/observations.csv?" + query});
  ASSERT_EQ(csv.status, 200) << csv.body;
  std::string cli;
  ASSERT_EQ(
      RunCommand(
          {CLIENT_BINARY, "--target=" + server_->grpc_address(), "--format=csv",
           "--indicators=rd_expenditure,rd_intensity", "--regions=CN-GD,CN-BJ",
           "--preferred", "--output=" + (dir_ / "cli.csv").string(), "stream"},
          &cli),
      0)
      << cli;
  EXPECT_EQ(csv.body, Slurp((dir_ / "cli.csv").string()));
  EXPECT_GT(Lines(csv.body), 10u);
  EXPECT_TRUE(
      absl::StartsWith(csv.body,
                       "indicator_id,region_code,period,value,qualifier,status,"
                       "source_ids,note\n"));
  EXPECT_TRUE(
      absl::StrContains(HeaderValue(csv.headers, "content-type"), "text/csv"));
}

TEST_F(HttpTest, DownloadsNameTheVersionAndAnswerNotModified) {
  const Answer info = PostJson("GetDatasetInfo", "{}");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(info.body, match,
                                std::regex("\"version\":\"([0-9a-f]{64})\"")))
      << info.body;
  const std::string version = match[1];
  const std::string url =
      server_->base() +
      "/v1/observations.sdmx.csv?indicator_ids=rd_expenditure";
  const Answer first = Curl({url});
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(HeaderValue(first.headers, "x-dataset-version"), version);
  EXPECT_EQ(HeaderValue(first.headers, "etag"), "\"" + version + "\"");
  EXPECT_EQ(HeaderValue(first.headers, "content-disposition"),
            "attachment; filename=\"observations-" + version.substr(0, 12) +
                ".sdmx.csv\"");
  EXPECT_TRUE(absl::StrContains(HeaderValue(first.headers, "link"),
                                "/v1/observations.meta.json?indicator_ids="
                                "rd_expenditure>; rel=\"describedby\""));
  const Answer again = Curl({"-H", "If-None-Match: \"" + version + "\"", url});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  const Answer other = Curl({"-H", "If-None-Match: \"0000\"", url});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body, first.body);
}

TEST_F(HttpTest, SdmxCsvCarriesUnitsStatusQualifierAndSources) {
  const Answer sdmx = Curl(
      {server_->base() +
       "/v1/observations.sdmx.csv?indicator_ids=rd_expenditure&region_codes="
       "CN-GD&start_period=2023&end_period=2023&source_mode=preferred&"
       "unit_multiplier=8"});
  ASSERT_EQ(sdmx.status, 200) << sdmx.body;
  EXPECT_TRUE(
      absl::StrContains(HeaderValue(sdmx.headers, "content-type"),
                        "application/vnd.sdmx.data+csv; version=2.0.0"));
  const std::vector<std::string> lines =
      absl::StrSplit(sdmx.body, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << sdmx.body;
  EXPECT_EQ(lines[0],
            "STRUCTURE,STRUCTURE_ID,ACTION,FREQ,INDICATOR,REF_AREA,TIME_PERIOD,"
            "OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,OBS_QUALIFIER,SOURCE,"
            "OBS_COM");
  // 480.26 bn yuan in units of 10^8, final (A), exact, from S13.
  EXPECT_TRUE(absl::StartsWith(
      lines[1],
      "dataflow,INDICATORS:DF_INDICATORS(1.0.0),I,A,rd_expenditure,CN-GD,2023,"
      "4802.6,CNY,8,A,exact,S13,"))
      << lines[1];
  // The CSV layout cannot say that a value was converted: refused.
  const Answer csv =
      Curl({server_->base() + "/v1/observations.csv?unit_multiplier=8"});
  EXPECT_EQ(csv.status, 400);
  EXPECT_TRUE(absl::StrContains(csv.body, R"("field":"value_options")"));
}

TEST_F(HttpTest, JsonDownloadAndMetadataDescribeTheSameRows) {
  const std::string query =
      "indicator_ids=high_tech_enterprises&region_codes=CN-GD";
  const Answer csv = Curl({server_->base() + "/v1/observations.csv?" + query});
  const Answer json =
      Curl({server_->base() + "/v1/observations.json?" + query});
  ASSERT_EQ(json.status, 200) << json.body;
  size_t rows = 0;
  for (size_t at = 0;
       (at = json.body.find("\"reliability\"", at)) != std::string::npos;
       ++at) {
    ++rows;
  }
  EXPECT_EQ(rows, Lines(csv.body) - 1);
  EXPECT_TRUE(absl::StrContains(json.body, R"("qualifier":"QUALIFIER_OVER")"))
      << "hedged figures keep their qualifier";
  EXPECT_TRUE(absl::StrContains(json.body, R"("datasetVersion":")"));
  const Answer meta =
      Curl({server_->base() + "/v1/observations.meta.json?" + query});
  ASSERT_EQ(meta.status, 200) << meta.body;
  EXPECT_TRUE(absl::StrContains(meta.body,
                                absl::StrCat("\"observationCount\":", rows)));
  EXPECT_TRUE(absl::StrContains(meta.body, R"("id":"high_tech_enterprises")"));
  EXPECT_TRUE(absl::StrContains(meta.body, R"("unit":"enterprises")"));
  EXPECT_TRUE(absl::StrContains(meta.body, R"("id":"SEED")")) << meta.body;
  EXPECT_TRUE(absl::StrContains(meta.body, R"("citation":"Indicator service)"));
  EXPECT_TRUE(
      absl::StrContains(meta.body, "/v1/observations.sdmx.csv?" + query));
}

TEST_F(HttpTest, BadDownloadsAreRefusedNamingTheParameter) {
  const Answer unknown =
      Curl({server_->base() + "/v1/observations.csv?indicator=rd_expenditure"});
  EXPECT_EQ(unknown.status, 400);
  EXPECT_TRUE(absl::StrContains(unknown.body, R"("field":"indicator")"))
      << unknown.body;
  const Answer mode =
      Curl({server_->base() + "/v1/observations.csv?source_mode=best"});
  EXPECT_EQ(mode.status, 400);
  EXPECT_TRUE(absl::StrContains(mode.body, "SOURCE_MODE_PREFERRED"))
      << mode.body;
  const Answer missing =
      Curl({server_->base() + "/v1/observations.json?region_codes=XX-NOPE"});
  EXPECT_EQ(missing.status, 404);
  EXPECT_TRUE(absl::StrContains(missing.body, R"("reason":"UNKNOWN_REGION")"));
  EXPECT_TRUE(absl::StrContains(missing.body, "filter.region_codes[0]"));
  const Answer period =
      Curl({server_->base() + "/v1/observations.csv?start_period=2023-13"});
  EXPECT_EQ(period.status, 400);
  EXPECT_TRUE(absl::StrContains(period.body, R"("reason":"INVALID_PERIOD")"));
  EXPECT_EQ(Curl({server_->base() + "/v1/observations.xlsx"}).status, 404);
}

// Over HTTP a caller over its quota gets 429 with Retry-After and the same
// details as over gRPC, counted against its own address (the gateway passes
// it on), and the refusal is counted by reason.
TEST(HttpQuotaTest, OverTheRateIs429WithRetryAfterAndCountedByReason) {
  HttpServerProcess server({"--anonymous_requests_per_second=2"});
  ASSERT_FALSE(server.base().empty()) << server.process().output();
  TempDataset scratch;
  const std::string headers = scratch.dir() + "/headers";
  const std::string body = scratch.dir() + "/body";
  int status = 0;
  for (int i = 0; i < 10 && status != 429; ++i) {
    std::string out;
    ASSERT_EQ(RunCommand({"curl", "-sS", "-o", body, "-D", headers, "-w",
                          "%{http_code}", "--max-time", "20", "-H",
                          "Content-Type: application/json", "--data-binary",
                          R"({"id":"rd_intensity"})",
                          server.base() + kService + "GetIndicator"},
                         &out),
              0)
        << out;
    status = std::atoi(out.c_str());
  }
  ASSERT_EQ(status, 429);
  const auto slurp = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  std::string head = slurp(headers);
  for (char& c : head) c = std::tolower(c);
  EXPECT_NE(head.find("retry-after: 1"), std::string::npos) << head;
  const std::string json = slurp(body);
  EXPECT_NE(json.find(R"("code":"resource_exhausted")"), std::string::npos)
      << json;
  EXPECT_NE(json.find("google.rpc.RetryInfo"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("subject":"address:127.0.0.1")"), std::string::npos)
      << json;
  const Samples metrics = Scrape(server.metrics_port());
  auto refused =
      metrics.find(R"(indicators_refused_calls_total{reason="RATE_LIMITED"})");
  ASSERT_NE(refused, metrics.end());
  EXPECT_GE(refused->second, 1);
}

}  // namespace
}  // namespace indicators::testing
