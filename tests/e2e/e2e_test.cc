// End to end: the built `indicators-server` on 127.0.0.1 (port 0), inspected
// with the built `indicators-client` and with `buf curl` through reflection.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/cpp/indicator_client.h"
#include "server/core/load/dataset_loader.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::testing {
namespace {

// Starts the server and reads the bound address from its start line.
class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> extra_args = {}) {
    std::vector<std::string> argv = {SERVER_BINARY, "--listen=127.0.0.1:0",
                                     "--drain_timeout=3s", "--lame_duck=100ms"};
    const bool has_data = std::any_of(
        extra_args.begin(), extra_args.end(),
        [](const std::string& arg) { return arg.rfind("--data=", 0) == 0; });
    if (!has_data) argv.push_back("--data=" + TestDataDir());
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    process_ = std::make_unique<Subprocess>(argv);
    std::string line;
    if (process_->ReadLine(&line, absl::Seconds(30))) {
      std::smatch match;
      if (std::regex_search(
              line, match,
              std::regex("listening on (127\\.0\\.0\\.1:[0-9]+);"))) {
        address_ = match[1];
      }
      start_line_ = line;
    }
  }
  const std::string& address() const { return address_; }
  const std::string& start_line() const { return start_line_; }
  Subprocess& process() { return *process_; }

 private:
  std::unique_ptr<Subprocess> process_;
  std::string address_;
  std::string start_line_;
};

class EndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(server_->address().empty())
        << "server did not start: " << server_->process().output();
  }

  // Runs the client with `args`; returns its exit code and sets `output`.
  int Client(std::vector<std::string> args, std::string* output) {
    args.insert(args.begin(),
                {CLIENT_BINARY, "--target=" + server_->address()});
    return RunCommand(args, output);
  }

  // Runs `buf curl` against the server with `args`.
  int BufCurl(std::vector<std::string> args, std::string* output) {
    args.insert(args.begin(), {BUF_BINARY, "curl", "--protocol", "grpc",
                               "--http2-prior-knowledge"});
    return RunCommand(args, output);
  }

  std::string Url(const std::string& method = "") {
    return absl::StrCat("http://", server_->address(), method);
  }

  static ServerProcess* server_;
};

ServerProcess* EndToEndTest::server_ = nullptr;

// Returns true if `output` has a line matching `pattern` (ECMAScript).
bool HasLine(const std::string& output, const std::string& pattern) {
  const std::regex re(pattern);
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    if (std::regex_search(output.substr(start, end - start), re)) return true;
    start = end + 1;
  }
  return false;
}

TEST_F(EndToEndTest, StartLineNamesAddressVersionAndCounts) {
  EXPECT_TRUE(HasLine(server_->start_line(),
                      "dataset [0-9a-f]{64} .*16 indicators, 47 regions, 64 "
                      "sources, 416 observations"))
      << server_->start_line();
}

TEST_F(EndToEndTest, ClientQueryShowsTheSeedFiguresBesideOtherSources) {
  std::string out;
  ASSERT_EQ(
      Client({"query", "--regions=CN-GD", "--from=2023", "--to=2023"}, &out), 0)
      << out;
  const char* seed_rows[] = {
      "high_tech_enterprises +CN-GD +2023 +over +75000 +enterprises .* SEED$",
      "rd_expenditure +CN-GD +2023 +exact +460 +10\\^9 CNY .* SEED$",
      "rd_expenditure_usd +CN-GD +2023 +about +64\\.8 +10\\^9 USD .* SEED$",
      "rd_personnel +CN-GD +2023 +exact +1350000 +persons .* SEED$",
      "valid_invention_patents +CN-GD +2023 +over +665000 +patents .* SEED$",
      "pct_applications +CN-GD +2023 +exact +23700 +applications .* SEED$",
  };
  for (const char* row : seed_rows)
    EXPECT_TRUE(HasLine(out, row)) << row << "\n" << out;
  // The other sources' figures for the same indicators.
  EXPECT_TRUE(HasLine(
      out, "rd_expenditure +CN-GD +2023 +exact +480\\.26 .* final .* S13$"))
      << out;
  EXPECT_TRUE(HasLine(
      out, "pct_applications +CN-GD +2023 +exact +23676 .* final .* S34$"))
      << out;
}

TEST_F(EndToEndTest, ClientJsonCarriesTypedQualifiersAndUnits) {
  std::string out;
  ASSERT_EQ(Client({"--json", "query", "--regions=CN-GD", "--from=2023",
                    "--to=2023", "--sources=SEED"},
                   &out),
            0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "\"qualifier\": \"QUALIFIER_OVER\""))
      << out;
  EXPECT_TRUE(absl::StrContains(out, "\"unitMultiplier\": 9")) << out;
  EXPECT_TRUE(absl::StrContains(out, "\"value\": 1350000")) << out;
  EXPECT_TRUE(absl::StrContains(out, "\"datasetVersion\"")) << out;
}

TEST_F(EndToEndTest, ClientHasASubcommandForEveryRpc) {
  struct Case {
    std::vector<std::string> args;
    const char* pattern;
  } cases[] = {
      {{"list-indicators"}, "^rd_expenditure +R&D expenditure +CNY +10\\^9"},
      {{"get-indicator", "rd_personnel"}, "headcount|persons"},
      {{"list-regions", "--parent=CN", "--type=municipality"},
       "^CN-BJ +Beijing"},
      {{"get-region", "CN-GD"}, "^CN-GD +Guangdong +province +CN"},
      {{"list-sources", "--page_size=5"}, "next page: --page_token="},
      {{"get-source", "SEED"}, "^SEED +news +2024-02-19 +Xinhua"},
      {{"stream", "--regions=CN-GD", "--preferred", "--latest"},
       "^rd_expenditure +CN-GD +2024 "},
      {{"info"}, "^rd_intensity +114 "},
  };
  for (const Case& c : cases) {
    std::string out;
    EXPECT_EQ(Client(c.args, &out), 0) << c.args[0] << "\n" << out;
    EXPECT_TRUE(HasLine(out, c.pattern)) << c.args[0] << "\n" << out;
  }
}

TEST_F(EndToEndTest, ClientPrintsTheCodeAndFailsOnABadCall) {
  std::string out;
  EXPECT_EQ(Client({"get-indicator", "nope"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out,
                                "NOT_FOUND: id: unknown indicator \"nope\" "
                                "[UNKNOWN_INDICATOR, field id]"))
      << out;
  EXPECT_EQ(Client({"query", "--from=2023-13"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "INVALID_ARGUMENT: filter.start_period"))
      << out;
  EXPECT_EQ(Client({"stream", "--regions=XX"}, &out), 1);
  EXPECT_TRUE(absl::StrContains(out, "NOT_FOUND: filter.region_codes[0]"))
      << out;
  EXPECT_EQ(Client({"frobnicate"}, &out), 2);
}

// The analysis commands: converted values say from what, warnings follow
// the rows, aggregates show coverage, search forgives a typo.
TEST_F(EndToEndTest, ClientConvertsAggregatesSearchesAndWarns) {
  std::string out;
  ASSERT_EQ(Client({"query", "--indicators=rd_expenditure", "--regions=CN-GD",
                    "--from=2022", "--to=2022", "--unit_multiplier=8"},
                   &out),
            0)
      << out;
  EXPECT_TRUE(HasLine(out,
                      "^rd_expenditure +CN-GD +2022 .* 4411\\.9 +10\\^8 CNY "
                      ".*\\[converted from 441\\.19 10\\^9 CNY\\]$"))
      << out;
  ASSERT_EQ(Client({"query", "--indicators=rd_expenditure", "--regions=CN-GD",
                    "--from=2023", "--to=2023"},
                   &out),
            0)
      << out;
  EXPECT_TRUE(HasLine(out,
                      "^warning MIXED_STATUS: rd_expenditure mixes final, "
                      "preliminary, estimate figures"))
      << out;
  ASSERT_EQ(Client({"aggregate", "--indicators=rd_expenditure",
                    "--regions=CN-GD,CN-BJ", "--from=2022", "--to=2022"},
                   &out),
            0)
      << out;
  EXPECT_TRUE(HasLine(out, "^2022 +725\\.52.* 2/2 ")) << out;
  EXPECT_TRUE(
      HasLine(out, "^formula: sum\\(rd_expenditure\\) over CN-GD, CN-BJ$"))
      << out;
  ASSERT_EQ(Client({"search", "guangdon"}, &out), 0) << out;
  EXPECT_TRUE(HasLine(out, "region +CN-GD +Guangdong$")) << out;
  // Ranked with bounds: Guangdong first for certain; "over" figures only
  // within what their bounds allow.
  ASSERT_EQ(Client({"rank", "--indicators=rd_expenditure", "--parent=CN",
                    "--period=2022"},
                   &out),
            0)
      << out;
  EXPECT_TRUE(HasLine(out, "^rd_expenditure 2022$")) << out;
  EXPECT_TRUE(HasLine(out,
                      "^1 +CN-GD +441\\.19 +exact +\\[441\\.185, "
                      "441\\.195\\)$"))
      << out;
  ASSERT_EQ(Client({"rank", "--indicators=high_tech_enterprises",
                    "--regions=CN,CN-GD", "--period=2023"},
                   &out),
            0)
      << out;
  EXPECT_TRUE(HasLine(out, "^1-2 +CN +460000 +over +\\(460000, \\+inf\\)$"))
      << out;
  EXPECT_TRUE(HasLine(out, "^\\(1 pairs the bounds cannot order\\)$")) << out;
  // Sources checked against each other: the preliminary "about 460" is a
  // revision of the final 480.26, "over 460" agrees with it.
  ASSERT_EQ(Client({"reconcile", "--indicators=rd_expenditure",
                    "--regions=CN-GD", "--from=2023", "--to=2023"},
                   &out),
            0)
      << out;
  EXPECT_TRUE(HasLine(out,
                      "^rd_expenditure CN-GD 2023: 4 observations; "
                      "agree: S1 S13; disagree: S2 SEED$"))
      << out;
  EXPECT_TRUE(HasLine(out,
                      "^  DISCREPANT \\(a revision\\)  sources: about "
                      "460 bn CNY \\(S2, preliminary\\) against "
                      "480\\.26 bn CNY \\(S13, final\\): -20\\.26 .*"))
      << out;
  EXPECT_TRUE(HasLine(out, "^  consistent  sources: over 460 bn CNY .*"))
      << out;
  ASSERT_EQ(Client({"reconcile", "--indicators=rd_expenditure",
                    "--discrepancies_only", "--page_size=1000"},
                   &out),
            0)
      << out;
  EXPECT_FALSE(HasLine(out, "^rd_expenditure CN-GD 2019:.*")) << out;
  EXPECT_EQ(Client({"rank", "--indicators=rd_expenditure"}, &out), 1) << out;
  EXPECT_TRUE(absl::StrContains(out, "parent_region_code")) << out;
  EXPECT_EQ(Client({"rank", "--parent=CN"}, &out), 2) << out;
  // Converted values have no place in the dataset's CSV layout.
  EXPECT_EQ(Client({"--format=csv", "query", "--unit_multiplier=8"}, &out), 2);
  EXPECT_EQ(Client({"aggregate", "--indicators=rd_intensity,gdp"}, &out), 2);
}

// A temporary directory, removed with what it holds.
class TempDir {
 public:
  TempDir() {
    char path[] = "/tmp/indicators-cli-XXXXXX";
    dir_ = mkdtemp(path);
  }
  ~TempDir() { std::filesystem::remove_all(dir_); }
  std::string operator/(const std::string& name) const {
    return dir_ + "/" + name;
  }
  const std::string& path() const { return dir_; }

 private:
  std::string dir_;
};

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The CLI's CSV is the bundled dataset's layout: the four files it writes
// load as a dataset with the version the server serves.
TEST_F(EndToEndTest, ClientCsvExportLoadsAgainWithTheServedVersion) {
  TempDir dir;
  std::string out;
  // Small pages, so that the lists are written from several pages.
  for (const std::string table : {"indicators", "regions", "sources"}) {
    ASSERT_EQ(Client({"--format=csv", "--page_size=7",
                      "--output=" + (dir / table + ".csv"), "list-" + table},
                     &out),
              0)
        << table << ": " << out;
  }
  ASSERT_EQ(Client({"--format=csv", "--output=" + (dir / "observations.csv"),
                    "stream"},
                   &out),
            0)
      << out;
  auto exported = LoadDataset(dir.path());
  ASSERT_TRUE(exported.ok()) << exported.status();
  auto served =
      client::IndicatorClient::Connect(server_->address()).GetDatasetInfo();
  ASSERT_TRUE(served.ok()) << served.status();
  EXPECT_EQ((*exported)->version(), served->dataset().version());
  EXPECT_EQ((*exported)->published_observation_count(),
            static_cast<size_t>(served->dataset().observation_count()));
  // A quoted field (a comma in a title) and the seed's figure as published.
  EXPECT_TRUE(absl::StrContains(
      ReadAll(dir / "observations.csv"),
      "\nhigh_tech_enterprises,CN-GD,2023,75000,over,preliminary,SEED,"))
      << ReadAll(dir / "observations.csv").substr(0, 500);
  EXPECT_TRUE(absl::StrContains(ReadAll(dir / "sources.csv"),
                                "\"Over 75,000 High-Tech Companies"));
  // Read as columns, the export is the same file, byte for byte.
  ASSERT_EQ(Client({"--format=csv", "--columns",
                    "--output=" + (dir / "columns.csv"), "stream"},
                   &out),
            0)
      << out;
  EXPECT_EQ(ReadAll(dir / "columns.csv"), ReadAll(dir / "observations.csv"));
  // Conversions are the row stream's: refused with --columns, saying so.
  EXPECT_EQ(Client({"--columns", "--currency=USD", "stream"}, &out), 2);
  EXPECT_TRUE(absl::StrContains(out, "--columns")) << out;
}

// --output writes the answer to a file that appears only when complete.
TEST_F(EndToEndTest, ClientOutputFileAppearsOnlyWhenTheCommandSucceeds) {
  TempDir dir;
  std::string out;
  ASSERT_EQ(Client({"--format=csv", "--output=" + (dir / "one.csv"),
                    "get-region", "CN-GD"},
                   &out),
            0)
      << out;
  EXPECT_EQ(out, "");
  EXPECT_EQ(ReadAll(dir / "one.csv"),
            "region_code,name,type,parent_code\nCN-GD,Guangdong,province,CN\n");
  // A failed call leaves an existing file as it was, and no partial file.
  EXPECT_EQ(Client({"--format=csv", "--output=" + (dir / "one.csv"), "stream",
                    "--regions=XX"},
                   &out),
            1);
  EXPECT_EQ(ReadAll(dir / "one.csv"),
            "region_code,name,type,parent_code\nCN-GD,Guangdong,province,CN\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_EQ(Client({"--format=csv", "info"}, &out), 2);
  EXPECT_TRUE(absl::StrContains(out, "info has no CSV form")) << out;
  EXPECT_EQ(Client({"--format=xml", "info"}, &out), 2);
}

// --output=- is standard output (no file named "-").
TEST_F(EndToEndTest, ClientOutputDashIsStandardOutput) {
  std::string out;
  ASSERT_EQ(Client({"--format=csv", "--output=-", "get-region", "CN-GD"}, &out),
            0)
      << out;
  EXPECT_EQ(out,
            "region_code,name,type,parent_code\nCN-GD,Guangdong,province,CN\n");
  EXPECT_FALSE(std::filesystem::exists("-"));
}

// Runs the client with its stderr on a new pseudo-terminal and stdout on
// /dev/null; returns what the terminal showed.
std::string RunWithTerminalStderr(std::vector<std::string> argv) {
  const int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return "";
  const std::string slave_name = ptsname(master);
  const pid_t pid = fork();
  if (pid == 0) {
    const int slave = open(slave_name.c_str(), O_RDWR | O_NOCTTY);
    const int null = open("/dev/null", O_WRONLY);
    dup2(slave, 2);
    dup2(null, 1);
    std::vector<char*> args;
    for (std::string& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  std::string shown;
  char buffer[4096];
  while (true) {
    const ssize_t n = read(master, buffer, sizeof buffer);
    if (n <= 0) break;  // EIO once the child has closed the terminal.
    shown.append(buffer, n);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  close(master);
  return shown;
}

// A stream shows rows, rate and time on a terminal, and nothing in a pipe.
TEST_F(EndToEndTest, ClientShowsStreamProgressOnlyOnATerminal) {
  const std::string shown =
      RunWithTerminalStderr({CLIENT_BINARY, "--target=" + server_->address(),
                             "--format=csv", "stream"});
  EXPECT_TRUE(std::regex_search(
      shown, std::regex("\r416 rows +[0-9,]+ rows/s +[0-9.]+ s")))
      << shown;
  std::string out;
  ASSERT_EQ(Client({"--format=csv", "stream"}, &out), 0);
  EXPECT_FALSE(absl::StrContains(out, "rows/s"));
  EXPECT_TRUE(absl::StartsWith(out, "indicator_id,region_code,period,"));
}

TEST_F(EndToEndTest, ClientQueryKeepsRowsFromFromThroughTo) {
  std::string out;
  ASSERT_EQ(Client({"query", "--regions=CN", "--indicators=rd_intensity",
                    "--from=2021", "--to=2022", "--page_size=1000"},
                   &out),
            0)
      << out;
  std::set<std::string> periods;
  const std::regex row("^rd_intensity +CN +([0-9-]+) ");
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::smatch match;
    const std::string line = out.substr(start, end - start);
    if (std::regex_search(line, match, row)) periods.insert(match[1]);
    start = end + 1;
  }
  EXPECT_EQ(periods, (std::set<std::string>{"2021", "2022"})) << out;
}

TEST_F(EndToEndTest, FailedCallsAreLoggedWithMethodCodeReasonAndDuration) {
  std::string out;
  ASSERT_EQ(Client({"get-indicator", "no_such_indicator"}, &out), 1) << out;
  const std::regex logged(
      "call failed: method=GetIndicator code=NOT_FOUND "
      "reason=UNKNOWN_INDICATOR duration=[0-9.]+ms message=id: unknown "
      "indicator \"no_such_indicator\"");
  std::string line;
  bool found = false;
  while (!found && server_->process().ReadLine(&line, absl::Seconds(5))) {
    found = std::regex_search(line, logged);
  }
  EXPECT_TRUE(found) << server_->process().output();
}

TEST_F(EndToEndTest, BufCurlListsServicesAndMethodsByReflection) {
  ASSERT_EQ(access(BUF_BINARY, X_OK), 0)
      << "buf not found at '" << BUF_BINARY << "': run npm ci in tools/";
  std::string out;
  ASSERT_EQ(BufCurl({"--list-services", Url()}, &out), 0) << out;
  EXPECT_TRUE(HasLine(out, "^indicators\\.v1\\.IndicatorService$")) << out;
  EXPECT_TRUE(HasLine(out, "^grpc\\.health\\.v1\\.Health$")) << out;
  ASSERT_EQ(BufCurl({"--list-methods", Url()}, &out), 0) << out;
  for (const char* method :
       {"ListIndicators", "GetIndicator", "ListRegions", "GetRegion",
        "ListSources", "GetSource", "QueryObservations", "StreamObservations",
        "GetDatasetInfo", "GetObservationHistory"}) {
    EXPECT_TRUE(
        absl::StrContains(out, absl::StrCat("IndicatorService/", method)))
        << method << "\n"
        << out;
  }
}

// The README's grpcurl examples, one per RPC, run with buf curl.
TEST_F(EndToEndTest, BufCurlCallsEveryRpcByReflection) {
  ASSERT_EQ(access(BUF_BINARY, X_OK), 0)
      << "buf not found: run npm ci in tools/";
  struct Case {
    const char* method;
    const char* body;
    const char* expected;
  } cases[] = {
      {"ListIndicators", R"({"pageSize":3})", R"("nextPageToken": ")"},
      {"GetIndicator", R"({"id":"rd_expenditure"})", R"("unitMultiplier": 9)"},
      {"ListRegions",
       R"({"parentCode":"CN","type":"REGION_TYPE_MUNICIPALITY"})",
       R"("code": "CN-SH")"},
      {"GetRegion", R"({"code":"CN-GD"})", R"("name": "Guangdong")"},
      {"ListSources", R"({"pageSize":100})", R"("id": "SEED")"},
      {"GetSource", R"({"id":"SEED"})",
       R"("reliability": "SOURCE_RELIABILITY_NEWS")"},
      {"QueryObservations",
       R"({"filter":{"indicatorIds":["rd_expenditure"],"regionCodes":["CN-GD"],)"
       R"("startPeriod":"2023","endPeriod":"2023","sourceMode":"SOURCE_MODE_PREFERRED"}})",
       R"("value": 480.26)"},
      {"StreamObservations",
       R"({"filter":{"indicatorIds":["rd_intensity"],"regionCodes":["CN"],)"
       R"("includeSubregions":true,"latestOnly":true,"sourceMode":"SOURCE_MODE_PREFERRED"}})",
       R"("regionCode": "CN-GD")"},
      {"GetDatasetInfo", "{}", R"("observationCount": "416")"},
      {"QueryObservations",
       R"({"filter":{"indicatorIds":["rd_expenditure"],"regionCodes":["CN-GD"],)"
       R"("startPeriod":"2023","endPeriod":"2023","sourceMode":"SOURCE_MODE_PREFERRED",)"
       R"("knownOn":"2024-03-01"}})",
       R"("qualifier": "QUALIFIER_ABOUT")"},
      {"GetObservationHistory",
       R"({"indicatorId":"rd_expenditure","regionCode":"CN-GD","period":"2023"})",
       R"("knownFrom": "2024-01-23")"},
      // Values in 10^8 yuan say what they were converted from.
      {"QueryObservations",
       R"({"filter":{"indicatorIds":["rd_expenditure"],"regionCodes":["CN-GD"],)"
       R"("startPeriod":"2022","endPeriod":"2022"},"valueOptions":{"unitMultiplier":8}})",
       R"("originalValue": 441.19)"},
      {"AggregateObservations",
       R"({"indicatorId":"rd_expenditure","regionCodes":["CN-GD","CN-BJ"],)"
       R"("startPeriod":"2022","endPeriod":"2022"})",
       R"("reportingRegions": 2)"},
      {"SearchCatalog", R"({"query":"guangdon"})", R"("code": "CN-GD")"},
      // Bounds on request: "about 420" is [415, 425].
      {"QueryObservations",
       R"({"filter":{"indicatorIds":["rd_expenditure"],"regionCodes":["CN-GD"],)"
       R"("startPeriod":"2022","endPeriod":"2022","sourceIds":["S3"]},)"
       R"("valueOptions":{"includeBounds":true}})",
       R"("bounds": {
        "lower": 415,
        "upper": 425
      })"},
      {"RankRegions",
       R"({"indicatorId":"high_tech_enterprises","regionCodes":["CN","CN-GD"],)"
       R"("period":"2023"})",
       R"("comparison": "RANK_COMPARISON_UNDETERMINED")"},
      {"ReconcileObservations",
       R"({"filter":{"indicatorIds":["rd_expenditure"],"regionCodes":["CN-GD"],)"
       R"("startPeriod":"2023","endPeriod":"2023"},"discrepanciesOnly":true})",
       R"("cause": "DISCREPANCY_CAUSE_REVISION")"},
      // Columns: the dictionaries say what the codes stand for.
      {"StreamObservationColumns",
       R"({"filter":{"indicatorIds":["rd_intensity"],"regionCodes":["CN-GD"]}})",
       R"("value": "CN-GD")"},
  };
  for (const Case& c : cases) {
    std::string out;
    ASSERT_EQ(
        BufCurl(
            {"-d", c.body,
             Url(absl::StrCat("/indicators.v1.IndicatorService/", c.method))},
            &out),
        0)
        << c.method << "\n"
        << out;
    EXPECT_TRUE(absl::StrContains(out, c.expected)) << c.method << "\n" << out;
  }
}

// Without reflection, clients use the descriptor set that the build writes.
TEST_F(EndToEndTest, BufCurlCallsWithTheBuiltProtoset) {
  ASSERT_EQ(access(BUF_BINARY, X_OK), 0)
      << "buf not found: run npm ci in tools/";
  std::string out;
  ASSERT_EQ(BufCurl({"--schema", absl::StrCat(PROTOSET, "#format=binpb"), "-d",
                     R"({"id":"S13"})",
                     Url("/indicators.v1.IndicatorService/GetSource")},
                    &out),
            0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, R"("id": "S13")")) << out;
}

TEST_F(EndToEndTest, BufCurlChecksHealthByReflection) {
  ASSERT_EQ(access(BUF_BINARY, X_OK), 0)
      << "buf not found: run npm ci in tools/";
  std::string out;
  ASSERT_EQ(BufCurl({Url("/grpc.health.v1.Health/Check")}, &out), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "\"status\": \"SERVING\"")) << out;
}

TEST_F(EndToEndTest, BufCurlQueryShowsTheSeedFiguresWithQualifiers) {
  ASSERT_EQ(access(BUF_BINARY, X_OK), 0)
      << "buf not found: run npm ci in tools/";
  std::string out;
  ASSERT_EQ(
      BufCurl({"-d",
               R"({"filter":{"regionCodes":["CN-GD"],"startPeriod":"2023",)"
               R"("endPeriod":"2023","indicatorIds":["high_tech_enterprises",)"
               R"("rd_expenditure"]}})",
               Url("/indicators.v1.IndicatorService/QueryObservations")},
              &out),
      0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "\"value\": 75000")) << out;
  EXPECT_TRUE(absl::StrContains(out, "\"qualifier\": \"QUALIFIER_OVER\""))
      << out;
  EXPECT_TRUE(absl::StrContains(out, "\"SEED\"")) << out;
  EXPECT_TRUE(absl::StrContains(out, "\"value\": 480.26")) << out;
  EXPECT_TRUE(absl::StrContains(out, "\"S13\"")) << out;

  ASSERT_NE(BufCurl({"-d", R"({"id":"nope"})",
                     Url("/indicators.v1.IndicatorService/GetIndicator")},
                    &out),
            0);
  EXPECT_TRUE(absl::StrContains(out, "not_found")) << out;
}

TEST(ServerLifecycleTest, SigtermDrainsAndExitsZero) {
  ServerProcess server;
  ASSERT_FALSE(server.address().empty()) << server.process().output();
  server.process().Signal(SIGTERM);
  EXPECT_EQ(server.process().Wait(absl::Seconds(10)), 0);
  std::string line;
  while (server.process().ReadLine(&line, absl::Seconds(1))) {
  }
  EXPECT_TRUE(absl::StrContains(server.process().output(), "stopped"))
      << server.process().output();
}

TEST(ServerLifecycleTest, SighupReloadsAndABadReloadKeepsTheOldVersion) {
  TempDataset data;
  ServerProcess server({"--data=" + data.dir()});
  ASSERT_FALSE(server.address().empty()) << server.process().output();
  auto version = [&] {
    std::string out;
    RunCommand({CLIENT_BINARY, "--target=" + server.address(), "info"}, &out);
    std::smatch match;
    std::regex_search(out, match, std::regex("version: +([0-9a-f]{64})"));
    return match.size() > 1 ? match[1].str() : out;
  };
  const std::string before = version();
  auto reload_and_read_log = [&] {
    server.process().Signal(SIGHUP);
    std::string line;
    while (server.process().ReadLine(&line, absl::Seconds(10))) {
      if (!absl::StrContains(line, "reload")) continue;
      std::string detail;  // A rejection lists its errors on the next lines.
      if (absl::StrContains(line, "rejected") &&
          server.process().ReadLine(&detail, absl::Seconds(5))) {
        line += "\n" + detail;
      }
      return line;
    }
    return std::string("no reload line");
  };
  data.Write("observations.csv",
             data.Read("observations.csv") +
                 "rd_intensity,CN,2031,1,exact,final,S1,\n");
  const std::string accepted = reload_and_read_log();
  EXPECT_TRUE(absl::StrContains(accepted, "reloaded: serving dataset"))
      << accepted;
  const std::string after = version();
  EXPECT_NE(after, before);
  EXPECT_TRUE(absl::StrContains(accepted, after)) << accepted;

  data.Write("sources.csv", "not,a,valid,header\n");
  const std::string rejected = reload_and_read_log();
  EXPECT_TRUE(
      absl::StrContains(rejected, "reload rejected, still serving " + after))
      << rejected;
  EXPECT_TRUE(absl::StrContains(rejected, "sources.csv:1: header")) << rejected;
  EXPECT_EQ(version(), after);
}

// The shipped service config's 10 s timeout is for unary calls: an export
// read slowly for longer than that completes (it takes the caller's
// deadline), through the replica and the proxy configs alike.
TEST(ServerLifecycleTest, AnExportLongerThanTheUnaryTimeoutCompletes) {
  ServerProcess server({"--stream_batch_size=10"});
  ASSERT_FALSE(server.address().empty()) << server.process().output();
  for (auto config : {client::ClientOptions::ServiceConfig::kReplicas,
                      client::ClientOptions::ServiceConfig::kProxy}) {
    client::ClientOptions options;
    options.service_config = config;
    options.deadline = absl::Seconds(60);
    auto client = client::IndicatorClient::Connect(server.address(), options);
    int rows = 0;
    const absl::Time start = absl::Now();
    absl::Status status = client.StreamObservations({}, [&](const auto& m) {
      rows += m.observations_size();
      // 42 messages of 10: about 10.5 s, longer than the unary timeout.
      absl::SleepFor(absl::Milliseconds(250));
      return true;
    });
    EXPECT_TRUE(status.ok()) << status;
    EXPECT_EQ(rows, 416);
    EXPECT_GT(absl::Now() - start, absl::Seconds(10));
  }
}

// A slow reader of a large export must hold the server at about one batch:
// without backpressure the server would buffer the whole export (60 MB).
TEST(ServerLifecycleTest, ASlowReaderKeepsServerMemoryFlat) {
  TempDataset scratch;
  const std::string dir = scratch.dir() + "/big";
  std::string out;
  ASSERT_EQ(
      RunCommand({DATAGEN_BINARY, "--observations=1000000", "--out=" + dir},
                 &out),
      0)
      << out;
  ServerProcess server({"--data=" + dir, "--stream_batch_size=1000"});
  ASSERT_FALSE(server.address().empty()) << server.process().output();
  auto rss_kb = [&] {
    std::ifstream status("/proc/" + std::to_string(server.process().pid()) +
                         "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (absl::StartsWith(line, "VmRSS:")) return std::stol(line.substr(6));
    }
    return 0L;
  };
  const long before = rss_kb();
  long peak = before;
  int messages = 0;
  client::ClientOptions options;
  options.deadline = absl::Seconds(30);
  auto client = client::IndicatorClient::Connect(server.address(), options);
  absl::Status status = client.StreamObservations({}, [&](const auto&) {
    absl::SleepFor(absl::Milliseconds(40));
    peak = std::max(peak, rss_kb());
    return ++messages < 50;  // About 2 s of slow reading, then cancel.
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(messages, 50);
  EXPECT_LT(peak - before, 16 * 1024)
      << "server RSS grew from " << before << " kB to " << peak << " kB";
  // The cancelled stream freed its resources: the server still answers.
  EXPECT_TRUE(client.GetDatasetInfo().ok());
}

TEST(ServerLifecycleTest, CorruptDatasetNeverServesAndExitsNonZero) {
  TempDataset data;
  data.Write("observations.csv",
             data.Read("observations.csv") +
                 "rd_intensity,CN,2023,abc,exact,final,S1,\n");
  std::string out;
  const int code = RunCommand(
      {SERVER_BINARY, "--listen=127.0.0.1:0", "--data=" + data.dir()}, &out);
  EXPECT_EQ(code, 1) << out;
  EXPECT_TRUE(absl::StrContains(out, "observations.csv:418: column 4 (value)"))
      << out;
  EXPECT_FALSE(absl::StrContains(out, "listening")) << out;
}

}  // namespace
}  // namespace indicators::testing
