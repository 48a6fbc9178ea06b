// A flood of callers that never read their answers (HTTP/2 windows of zero
// bytes, from h2load) against the built server: its memory stays under the
// configured bounds plus a stated margin, a well-behaved caller is still
// answered in time, and the memory comes back when the flood ends.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::testing {
namespace {

constexpr int64_t kResponseMemoryMb = 64;
constexpr int64_t kGrpcMemoryMb = 64;
// The flood: connections, each with as many calls open as the server allows.
constexpr int kConnections = 100;
constexpr int kStreamsPerConnection = 100;  // The server's default.
// What the process may hold beyond the two bounds. Neither bound covers the
// bookkeeping of an admitted call (its gRPC call arena, server context,
// reactor and request, and the allocator's slack around them once thousands
// are freed): measured at 5-12 KiB a call across runs on a loaded machine,
// so 12 KiB for each call the flood can hold open, plus thread stacks and
// the allocator's own arenas. What the server admits is bounded by
// connections times --max_concurrent_streams; that product, not the length
// of the flood, sets this margin.
constexpr int64_t kMarginMb =
    32 + int64_t{kConnections} * kStreamsPerConnection * 12 / 1024;
// Whether calls leak is told by the memory coming back once the flood ends
// (below), not by its level while the flood goes on: with 10,000 calls held
// open and 100,000+ answered and freed, the level moved by 0 to 58 MiB
// after the first two seconds from one run to the next (the same binary, an
// idle machine), so a bound on that growth failed at random.

// Returns the resident memory of process `pid` in MiB, or -1.
int64_t ResidentMb(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) / 1024;
  }
  return -1;
}

TEST(FloodTest, NonReadingCallersCannotExhaustMemoryOrStarveOthers) {
  ASSERT_EQ(access(H2LOAD_BINARY, X_OK), 0)
      << "h2load not found: run scripts/install-deps.sh";
  TempDataset scratch;
  Subprocess server(
      {SERVER_BINARY, "--listen=127.0.0.1:0", "--data=" + TestDataDir(),
       "--lame_duck=0s",
       absl::StrCat("--max_response_memory_mb=", kResponseMemoryMb),
       absl::StrCat("--max_grpc_memory_mb=", kGrpcMemoryMb)});
  std::string line;
  ASSERT_TRUE(server.ReadLine(&line, absl::Seconds(30)));
  std::smatch match;
  ASSERT_TRUE(std::regex_search(
      line, match, std::regex("listening on (127\\.0\\.0\\.1:[0-9]+);")))
      << line;
  const std::string address = match[1];
  client::ClientOptions options;
  options.deadline = absl::Seconds(5);
  client::IndicatorClient client =
      client::IndicatorClient::Connect(address, options);
  ASSERT_TRUE(client.GetIndicator("rd_intensity").ok());
  const int64_t baseline = ResidentMb(server.pid());
  ASSERT_GT(baseline, 0);

  // Every page is the whole dataset (416 observations, about 25 KB).
  v1::QueryObservationsRequest page;
  page.set_page_size(1000);
  const std::string message = page.SerializeAsString();
  std::string framed(1, '\0');
  for (int shift = 24; shift >= 0; shift -= 8) {
    framed.push_back(static_cast<char>((message.size() >> shift) & 0xff));
  }
  framed += message;
  const std::string body = scratch.dir() + "/request.bin";
  std::ofstream(body, std::ios::binary) << framed;

  Subprocess flood({H2LOAD_BINARY, "-c", absl::StrCat(kConnections), "-m",
                    absl::StrCat(kStreamsPerConnection), "-w", "0", "-W", "0",
                    "-D", "6", "-d", body, "-H",
                    "content-type: application/grpc", "-H", "te: trailers",
                    absl::StrCat("http://", address,
                                 "/indicators.v1.IndicatorService/"
                                 "QueryObservations")});
  int64_t peak = baseline;
  int64_t level = baseline;  // The peak of the first two seconds.
  bool answered = false;
  absl::Duration answer_time;
  const absl::Time start = absl::Now();
  while (absl::Now() - start < absl::Seconds(6)) {
    absl::SleepFor(absl::Milliseconds(250));
    peak = std::max(peak, ResidentMb(server.pid()));
    if (absl::Now() - start <= absl::Seconds(2)) level = peak;
    if (!answered && absl::Now() - start > absl::Seconds(2)) {
      v1::QueryObservationsRequest small;
      small.mutable_filter()->add_region_codes("CN-GD");
      small.mutable_filter()->set_start_period("2023");
      const absl::Time asked = absl::Now();
      auto response = client.QueryObservations(small);
      answer_time = absl::Now() - asked;
      EXPECT_TRUE(response.ok()) << response.status();
      answered = true;
    }
  }
  EXPECT_TRUE(answered);
  EXPECT_LT(answer_time, absl::Seconds(5));
  EXPECT_LT(peak, baseline + kResponseMemoryMb + kGrpcMemoryMb + kMarginMb)
      << "baseline " << baseline << " MiB";
  EXPECT_GE(flood.Wait(absl::Seconds(30)), 0) << "h2load did not end";

  // The callers are gone: their calls end and the memory is returned.
  int64_t after = ResidentMb(server.pid());
  for (int i = 0; i < 40 && after > baseline + 40; ++i) {
    absl::SleepFor(absl::Milliseconds(250));
    after = ResidentMb(server.pid());
  }
  EXPECT_LE(after, baseline + 40)
      << "baseline " << baseline << ", peak " << peak;
  EXPECT_TRUE(client.GetIndicator("rd_intensity").ok());
  std::cerr << "flood: baseline " << baseline << " MiB, after 2 s " << level
            << " MiB, peak " << peak << " MiB (bound "
            << baseline + kResponseMemoryMb + kGrpcMemoryMb + kMarginMb
            << "), after " << after << " MiB; a small query answered in "
            << absl::FormatDuration(answer_time) << "\n";
}

}  // namespace
}  // namespace indicators::testing
