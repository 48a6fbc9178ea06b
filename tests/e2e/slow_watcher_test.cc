// Watchers that stop reading while changes keep coming, against the built
// server on 20,000 generated observations: each change revises 5,000 of
// them (about 0.6 MB of changes, far more than a 64 KiB receive window), so
// a watcher that does not read really falls behind. The server's memory
// stays level, a watcher that reads is not held up by them, the stalled
// watcher is ended with ABORTED naming the revision to resume from, and the
// client library resumes from there with no revision missing or twice.

#include <grpcpp/create_channel.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "client/cpp/indicator_client.h"
#include "indicators/v1/indicator_service.grpc.pb.h"
#include "tests/testing/metrics_scrape.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::testing {
namespace {

using client::IndicatorClient;

constexpr int kObservations = 20000;
constexpr int kRevisedPerChange = 5000;
constexpr int kChanges = 24;
// The log keeps 12,000 changes (two revisions and a bit): a watcher more
// than 6,000 (one revision and a bit) behind is ended.
constexpr int kLogChanges = 12000;
// Beyond the level reached once the log is full (the allocator moves in
// steps of a few MiB). Were the changes a stalled watcher missed held for
// it, the server would grow by their encoded size: 2 watchers x 18
// revisions x 0.6 MB after the level.
constexpr int64_t kGrowthMb = 12;

int64_t ResidentKb(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// A channel whose receive window stays at 64 KiB, as a reader that stops
// reading leaves it.
std::shared_ptr<grpc::Channel> SmallWindowChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 64 * 1024);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

// The revisions a watch handed over (each a CHANGES message ending its
// revision) and how many changes each held, collected on its own thread.
struct Heard {
  absl::Mutex mu;
  std::vector<std::pair<int64_t, int>> revisions;
  int64_t Last() {
    absl::MutexLock lock(&mu);
    return revisions.empty() ? 0 : revisions.back().first;
  }
  bool Has(int64_t revision) { return Last() >= revision; }
};

class SlowWatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string output;
    ASSERT_EQ(RunCommand({DATAGEN_BINARY,
                          absl::StrCat("--observations=", kObservations),
                          "--out=" + scratch_.dir() + "/data"},
                         &output),
              0)
        << output;
    observations_ = Read("observations.csv");
    server_ = std::make_unique<Subprocess>(std::vector<std::string>{
        SERVER_BINARY, "--listen=127.0.0.1:0", "--data=" + data_dir(),
        "--lame_duck=0s", "--stream_batch_size=200",
        absl::StrCat("--watch_max_changes=", kLogChanges),
        "--metrics_listen=127.0.0.1:0"});
    std::string line;
    ASSERT_TRUE(server_->ReadLine(&line, absl::Seconds(30)));
    std::smatch match;
    ASSERT_TRUE(std::regex_search(
        line, match, std::regex("listening on (127\\.0\\.0\\.1:[0-9]+);")))
        << line;
    address_ = match[1];
    metrics_port_ = ReadMetricsPort(*server_);
    ASSERT_NE(metrics_port_, 0);
  }

  std::string data_dir() const { return scratch_.dir() + "/data"; }
  std::string Read(const std::string& file) const {
    std::ifstream in(data_dir() + "/" + file);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Revises the note of the first kRevisedPerChange observations (the last
  // column) and reloads; returns the revision `reading` (a watcher that
  // reads) then hands over, or 0 if it hands over none within 10 s.
  int64_t Change(int k, Heard& reading) {
    std::vector<std::string> lines = absl::StrSplit(observations_, '\n');
    for (int i = 1; i <= kRevisedPerChange; ++i) {
      absl::StrAppend(&lines[i], " change ", k);
    }
    std::ofstream(data_dir() + "/observations.csv")
        << absl::StrJoin(lines, "\n");
    const int64_t before = reading.Last();
    server_->Signal(SIGHUP);
    const absl::Time asked = absl::Now();
    while (absl::Now() - asked < absl::Seconds(10)) {
      if (reading.Last() > before) return reading.Last();
      absl::SleepFor(absl::Milliseconds(5));
    }
    return 0;
  }

  double WatchesEndedWith(const std::string& code) {
    for (const auto& [name, value] : Scrape(metrics_port_)) {
      if (name.rfind("grpc_server_handled_total{", 0) == 0 &&
          name.find("grpc_method=\"WatchObservations\"") != std::string::npos &&
          name.find("grpc_code=\"" + code + "\"") != std::string::npos &&
          name.find("protocol=\"grpc\"") != std::string::npos) {
        return value;
      }
    }
    return -1;
  }

  TempDataset scratch_;
  std::string observations_;
  std::unique_ptr<Subprocess> server_;
  std::string address_;
  int metrics_port_ = 0;
};

// Collects the revisions `client` hands over until cancelled; `first`
// (unless null) blocks the first one's handling until notified, so the
// client stops reading as a slow consumer does.
std::thread WatchInto(const IndicatorClient& client, Heard& heard,
                      client::Cancellation& cancellation,
                      absl::Notification* first) {
  return std::thread([&client, &heard, &cancellation, first] {
    v1::WatchObservationsRequest request;
    absl::Status status = client.WatchObservations(
        request,
        [&](const v1::WatchObservationsResponse& m) {
          if (m.event() != v1::WATCH_EVENT_CHANGES) return true;
          {
            absl::MutexLock lock(&heard.mu);
            heard.revisions.emplace_back(m.revision(), m.changes_size());
          }
          if (first != nullptr) first->WaitForNotification();
          return true;
        },
        &cancellation);
    EXPECT_TRUE(absl::IsCancelled(status)) << status;
  });
}

// Three watchers of everything: one that reads; one through the client
// library whose consumer stops while the second and third change come and
// then goes on; and a raw one that reads one message and then nothing while
// all the changes come.
TEST_F(SlowWatcherTest, AStalledWatcherIsEndedAndResumesWhileOthersKeepUp) {
  const IndicatorClient fast = IndicatorClient::Connect(address_);
  const IndicatorClient slow(SmallWindowChannel(address_),
                             client::ClientOptions());
  Heard fast_heard, slow_heard;
  client::Cancellation fast_cancel, slow_cancel;
  absl::Notification release;
  std::thread fast_thread = WatchInto(fast, fast_heard, fast_cancel, nullptr);
  std::thread slow_thread = WatchInto(slow, slow_heard, slow_cancel, &release);
  auto stub = v1::IndicatorService::NewStub(SmallWindowChannel(address_));
  grpc::ClientContext raw_context;
  auto raw =
      stub->WatchObservations(&raw_context, v1::WatchObservationsRequest());
  absl::SleepFor(absl::Milliseconds(300));  // Every watch has started.

  std::vector<int64_t> revisions;
  const int64_t first = Change(1, fast_heard);
  ASSERT_GT(first, 0) << "the reading watcher did not get the first change";
  revisions.push_back(first);
  const int64_t start = first - 1;  // Where every watch started.
  v1::WatchObservationsResponse message;
  ASSERT_TRUE(raw->Read(&message));
  ASSERT_EQ(message.event(), v1::WATCH_EVENT_CHANGES);
  const absl::Time asked = absl::Now();
  while (!slow_heard.Has(first) && absl::Now() - asked < absl::Seconds(10)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_TRUE(slow_heard.Has(first));  // Its consumer now stops.

  // Changes keep coming: the reading watcher gets each one before the next
  // is made, and the server's memory stays level.
  std::vector<int64_t> resident;
  for (int k = 2; k <= kChanges; ++k) {
    const int64_t revision = Change(k, fast_heard);
    ASSERT_GT(revision, revisions.back())
        << "the reading watcher did not get change " << k << " within 10 s";
    revisions.push_back(revision);
    resident.push_back(ResidentKb(server_->pid()));
    if (k == 3) {
      // The library's watcher, two changes behind (more than half the log)
      // while its position is still kept, goes on.
      release.Notify();
      const absl::Time released = absl::Now();
      while (!slow_heard.Has(revision) &&
             absl::Now() - released < absl::Seconds(10)) {
        absl::SleepFor(absl::Milliseconds(5));
      }
      ASSERT_TRUE(slow_heard.Has(revision))
          << "the released watcher did not catch up within 10 s";
    }
  }
  // The level: the first five changes (the log is full from the third).
  const int64_t level =
      *std::max_element(resident.begin(), resident.begin() + 5);
  const int64_t peak = *std::max_element(resident.begin(), resident.end());
  EXPECT_LE(peak, level + kGrowthMb * 1024)
      << "server memory grew while a watcher was stalled: "
      << absl::StrJoin(resident, " ") << " KiB";

  // The raw watcher reads again: it gets what was on its way, then ABORTED
  // naming the last revision it had whole (none: where it started).
  int64_t whole = start;
  do {
    if (message.event() == v1::WATCH_EVENT_CHANGES && message.revision() > 0) {
      whole = message.revision();
    }
  } while (raw->Read(&message));
  const grpc::Status ended = raw->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::ABORTED)
      << ended.error_message();
  EXPECT_LT(whole, revisions.back());
  EXPECT_NE(ended.error_message().find(
                absl::StrCat("resume with start_revision ", whole)),
            std::string::npos)
      << ended.error_message() << " (last whole revision " << whole << ")";

  // Both watchers of the library handed over every revision once, in
  // order, each whole; the released one had been ended and resumed.
  const absl::Time waited = absl::Now();
  while (!slow_heard.Has(revisions.back()) &&
         absl::Now() - waited < absl::Seconds(10)) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  fast_cancel.Cancel();
  slow_cancel.Cancel();
  fast_thread.join();
  slow_thread.join();
  for (Heard* heard : {&fast_heard, &slow_heard}) {
    std::vector<int64_t> got;
    for (const auto& [revision, changes] : heard->revisions) {
      got.push_back(revision);
      EXPECT_EQ(changes, kRevisedPerChange) << "revision " << revision;
    }
    EXPECT_EQ(got, revisions)
        << (heard == &fast_heard ? "reading" : "released");
  }
  EXPECT_GE(WatchesEndedWith("Aborted"), 2)
      << "the released watcher was not ended for falling behind";
  std::cerr << "slow watchers: server RSS (KiB) after each change "
            << absl::StrJoin(resident, " ") << "\n";
}

}  // namespace
}  // namespace indicators::testing
