// indicators-loadgen: drives one benchmark scenario against indicators-server
// and against the floor server in alternating rounds, and prints one result
// line with the service's figures, the floor's, and their ratio.
//
// Load: `--channels` channels that never share a connection, each with
// `--inflight` calls outstanding (closed loop) for `--duration`; or, with
// `--paced_fraction`, calls issued at that fraction of the floor's measured
// maximum rate (open loop; latency counted from the scheduled send time).
// Every status is checked: any failed call makes the run fail.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/own_flags_help.h"
#include "floor.grpc.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "indicators/v1/indicator_service.grpc.pb.h"

ABSL_FLAG(std::string, service, "", "indicators-server address.");
ABSL_FLAG(std::string, floor, "", "indicators-floor-server address.");
ABSL_FLAG(std::string, scenario, "point_query",
          "get_indicator, list_indicators, point_query, page100, stream, "
          "columns (the export as column batches), or "
          "wait_serving (polls health until SERVING, prints the time since "
          "--since_unix_ns).");
ABSL_FLAG(std::string, indicator, "ind_000", "Indicator the queries use.");
ABSL_FLAG(std::string, region, "XA-000000", "Region the queries use.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(3), "Length of one round.");
ABSL_FLAG(int, rounds, 3, "Rounds per target; medians are reported.");
ABSL_FLAG(int, channels, 4, "Channels (separate connections).");
ABSL_FLAG(int, inflight, 16, "Calls in flight per channel (closed loop).");
ABSL_FLAG(double, paced_fraction, 0,
          "If > 0: issue calls at this fraction of the floor's maximum rate.");
ABSL_FLAG(int64_t, since_unix_ns, 0,
          "wait_serving: when the server was started (Unix ns).");
ABSL_FLAG(
    int64_t, expect_observations, -1,
    "stream: observations each stream must deliver (-1: from the server).");

namespace {

namespace v1 = indicators::v1;
constexpr char kService[] = "/indicators.v1.IndicatorService/";
// Whether the scenario is the column export (its messages count rows in
// `row_count`).
bool columns_scenario = false;

grpc::ByteBuffer Serialize(const google::protobuf::Message& m) {
  std::string bytes = m.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  (void)buffer.Dump(&slices);
  std::string out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

// Counts the observations of a message without parsing it: the top-level
// field-1 entries of a query or row stream response, or the `row_count` of a
// column batch (field 1 of its field 2).
int64_t CountObservations(grpc::ByteBuffer* buffer) {
  grpc::ProtoBufferReader reader(buffer);
  google::protobuf::io::CodedInputStream in(&reader);
  in.SetTotalBytesLimit(INT32_MAX);
  int64_t count = 0;
  while (uint32_t tag = in.ReadTag()) {
    if (tag == ((1 << 3) | 2) && !columns_scenario) ++count;
    if (tag == ((2 << 3) | 2) && columns_scenario) {
      uint32_t length = 0, rows = 0;
      if (!in.ReadVarint32(&length)) break;
      const auto limit = in.PushLimit(static_cast<int>(length));
      if (in.ReadTag() == ((1 << 3) | 0) && in.ReadVarint32(&rows)) {
        count += rows;
      }
      in.Skip(in.BytesUntilLimit());
      in.PopLimit(limit);
      continue;
    }
    if (!google::protobuf::internal::WireFormatLite::SkipField(&in, tag)) break;
  }
  return count;
}

std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(
    const std::string& target, int n) {
  std::vector<std::shared_ptr<grpc::Channel>> out;
  for (int i = 0; i < n; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("bench.channel_index",
                i);  // Distinct args: distinct connections.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(-1);
    out.push_back(grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args));
  }
  return out;
}

// What one round of load measured.
struct Round {
  int64_t calls = 0;
  int64_t errors = 0;
  int64_t observations = 0;
  int64_t bytes = 0;
  double seconds = 0;
  std::vector<uint32_t> latencies_us;
  std::string first_error;

  double rate() const { return calls / seconds; }
  double Percentile(double p) const {
    if (latencies_us.empty()) return 0;
    return latencies_us[std::min(latencies_us.size() - 1,
                                 static_cast<size_t>(p * latencies_us.size()))];
  }
};

// Collects completions from gRPC's callback threads.
class Recorder {
 public:
  void Record(absl::Duration latency, const grpc::Status& status, int64_t bytes,
              int64_t observations) {
    std::lock_guard<std::mutex> lock(mu_);
    ++round_.calls;
    round_.bytes += bytes;
    round_.observations += observations;
    round_.latencies_us.push_back(
        static_cast<uint32_t>(absl::ToInt64Microseconds(latency)));
    if (!status.ok()) {
      ++round_.errors;
      if (round_.first_error.empty()) {
        round_.first_error =
            absl::StrCat(status.error_code(), ": ", status.error_message());
      }
    }
  }
  void Begin() {
    std::lock_guard<std::mutex> lock(mu_);
    ++outstanding_;
  }
  void End() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--outstanding_ == 0) cv_.notify_all();
  }
  Round Finish(absl::Duration elapsed) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return outstanding_ == 0; });
    round_.seconds = absl::ToDoubleSeconds(elapsed);
    std::sort(round_.latencies_us.begin(), round_.latencies_us.end());
    return std::move(round_);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int outstanding_ = 0;
  Round round_;
};

// One unary call slot of the closed loop: issues the next call when the
// previous one completes, until the round's end.
class UnarySlot {
 public:
  UnarySlot(grpc::GenericStub* stub, const std::string* method,
            const grpc::ByteBuffer* request, absl::Time end, Recorder* recorder)
      : stub_(stub),
        method_(method),
        request_(request),
        end_(end),
        recorder_(recorder) {}

  void Start() {
    recorder_->Begin();
    Issue();
  }

 private:
  void Issue() {
    context_ = std::make_unique<grpc::ClientContext>();
    start_ = absl::Now();
    stub_->UnaryCall(context_.get(), *method_, grpc::StubOptions(), request_,
                     &response_, [this](grpc::Status status) {
                       const absl::Time now = absl::Now();
                       recorder_->Record(now - start_, status,
                                         response_.Length(), 0);
                       if (now < end_) {
                         Issue();
                       } else {
                         recorder_->End();
                       }
                     });
  }

  grpc::GenericStub* stub_;
  const std::string* method_;
  const grpc::ByteBuffer* request_;
  absl::Time end_;
  Recorder* recorder_;
  std::unique_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer response_;
  absl::Time start_;
};

// One unary call of the open loop, counted from its scheduled time.
struct PacedCall {
  grpc::ClientContext context;
  grpc::ByteBuffer response;
};

// Reads one stream to its end, counting bytes and observations; passes each
// message to `on_message` when one is given.
class StreamCall final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(grpc::GenericStub* stub, const std::string& method,
             const grpc::ByteBuffer& request, Recorder* recorder,
             std::function<void()> on_done,
             std::function<void(const grpc::ByteBuffer&)> on_message = nullptr)
      : request_(request),
        recorder_(recorder),
        on_done_(std::move(on_done)),
        on_message_(std::move(on_message)) {
    start_ = absl::Now();
    stub->PrepareBidiStreamingCall(&context_, method, grpc::StubOptions(),
                                   this);
    StartWrite(&request_);
    StartWritesDone();
    StartRead(&message_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    bytes_ += message_.Length();
    if (on_message_) on_message_(message_);
    observations_ += CountObservations(&message_);
    StartRead(&message_);
  }
  void OnDone(const grpc::Status& status) override {
    recorder_->Record(absl::Now() - start_, status, bytes_, observations_);
    auto on_done = std::move(on_done_);
    delete this;
    on_done();
  }

 private:
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer message_;
  Recorder* recorder_;
  std::function<void()> on_done_;
  std::function<void(const grpc::ByteBuffer&)> on_message_;
  absl::Time start_;
  int64_t bytes_ = 0;
  int64_t observations_ = 0;
};

// A target (service or floor) with its stubs and the request of the scenario.
struct Target {
  std::string name;
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  std::string method;
  grpc::ByteBuffer request;
};

Round RunClosed(Target& t, absl::Duration duration, int inflight) {
  Recorder recorder;
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  std::vector<std::unique_ptr<UnarySlot>> slots;
  for (auto& stub : t.stubs) {
    for (int i = 0; i < inflight; ++i) {
      slots.push_back(std::make_unique<UnarySlot>(stub.get(), &t.method,
                                                  &t.request, end, &recorder));
    }
  }
  for (auto& slot : slots) slot->Start();
  absl::SleepFor(duration);
  return recorder.Finish(absl::Now() - start);
}

Round RunPaced(Target& t, absl::Duration duration, double rate) {
  Recorder recorder;
  const absl::Time start = absl::Now();
  const int64_t total =
      static_cast<int64_t>(rate * absl::ToDoubleSeconds(duration));
  for (int64_t i = 0; i < total; ++i) {
    const absl::Time scheduled = start + absl::Seconds(i / rate);
    const absl::Duration wait = scheduled - absl::Now();
    if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
    auto* call = new PacedCall();
    recorder.Begin();
    t.stubs[i % t.stubs.size()]->UnaryCall(
        &call->context, t.method, grpc::StubOptions(), &t.request,
        &call->response, [call, scheduled, &recorder](grpc::Status status) {
          recorder.Record(absl::Now() - scheduled, status,
                          call->response.Length(), 0);
          delete call;
          recorder.End();
        });
  }
  return recorder.Finish(absl::Now() - start);
}

Round RunStreams(Target& t, absl::Duration duration) {
  Recorder recorder;
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  // One stream in flight per channel; the next starts when one ends.
  std::function<void(grpc::GenericStub*)> launch =
      [&](grpc::GenericStub* stub) {
        recorder.Begin();
        new StreamCall(stub, t.method, t.request, &recorder, [&, stub] {
          if (absl::Now() < end) launch(stub);
          recorder.End();
        });
      };
  for (auto& stub : t.stubs) launch(stub.get());
  absl::SleepFor(duration);
  return recorder.Finish(absl::Now() - start);
}

absl::StatusOr<grpc::ByteBuffer> CallOnce(grpc::GenericStub* stub,
                                          const std::string& method,
                                          const grpc::ByteBuffer& request) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  context.set_wait_for_ready(true);  // The server may still be starting.
  grpc::ByteBuffer response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub->UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                  [&](grpc::Status s) {
                    std::lock_guard<std::mutex> lock(mu);
                    status = std::move(s);
                    done = true;
                    cv.notify_one();
                  });
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return done; });
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return response;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "indicators-loadgen: %s\n", message.c_str());
  return 1;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Polls the service's health until SERVING and prints the time since
// --since_unix_ns; gives up after 120 s.
int WaitServing(grpc::GenericStub* probe) {
  const absl::Time give_up = absl::Now() + absl::Seconds(120);
  while (absl::Now() < give_up) {
    // An empty HealthCheckRequest: the whole server.
    auto health = CallOnce(probe, "/grpc.health.v1.Health/Check",
                           Serialize(bench::v1::Payload()));
    if (health.ok() && Flatten(*health) == std::string("\x08\x01", 2)) {
      std::printf("SERVING\t%.3f\n",
                  absl::ToDoubleSeconds(
                      absl::Now() -
                      absl::FromUnixNanos(absl::GetFlag(FLAGS_since_unix_ns))));
      return 0;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return Fail("the server never reported SERVING");
}

// One scenario: the method it calls, its request, and for a unary one the
// check of the service's answer.
struct Scenario {
  const char* name;
  const char* method;
  bool streaming;
  std::function<grpc::ByteBuffer(const v1::ObservationFilter&)> request;
  std::function<bool(const std::string&)> check;
};

// The filter the queries use: --indicator in --region.
v1::ObservationFilter ScenarioFilter() {
  v1::ObservationFilter filter;
  filter.add_indicator_ids(absl::GetFlag(FLAGS_indicator));
  filter.add_region_codes(absl::GetFlag(FLAGS_region));
  return filter;
}

// Returns true if `bytes` are a page of `n` observations with a version.
bool IsPageOf(const std::string& bytes, int n) {
  v1::QueryObservationsResponse parsed;
  return parsed.ParseFromString(bytes) && parsed.observations_size() == n &&
         !parsed.dataset_version().empty();
}

const std::vector<Scenario>& Scenarios() {
  static const auto* scenarios = new std::vector<Scenario>{
      {"get_indicator", "GetIndicator", false,
       [](const v1::ObservationFilter&) {
         v1::GetIndicatorRequest r;
         r.set_id(absl::GetFlag(FLAGS_indicator));
         return Serialize(r);
       },
       [](const std::string& bytes) {
         v1::Indicator parsed;
         return parsed.ParseFromString(bytes) &&
                parsed.id() == absl::GetFlag(FLAGS_indicator);
       }},
      {"list_indicators", "ListIndicators", false,
       [](const v1::ObservationFilter&) {
         return Serialize(v1::ListIndicatorsRequest());
       },
       [](const std::string& bytes) {
         v1::ListIndicatorsResponse parsed;
         return parsed.ParseFromString(bytes) && parsed.indicators_size() > 0;
       }},
      {"point_query", "QueryObservations", false,
       [](const v1::ObservationFilter& filter) {
         v1::QueryObservationsRequest r;
         *r.mutable_filter() = filter;
         r.mutable_filter()->set_latest_only(true);
         r.mutable_filter()->set_source_mode(v1::SOURCE_MODE_PREFERRED);
         return Serialize(r);
       },
       [](const std::string& bytes) { return IsPageOf(bytes, 1); }},
      {"page100", "QueryObservations", false,
       [](const v1::ObservationFilter& filter) {
         v1::QueryObservationsRequest r;
         *r.mutable_filter() = filter;
         r.set_page_size(100);
         return Serialize(r);
       },
       [](const std::string& bytes) { return IsPageOf(bytes, 100); }},
      {"stream", "StreamObservations", true,
       [](const v1::ObservationFilter&) {
         return Serialize(v1::StreamObservationsRequest());
       },
       nullptr},
      {"columns", "StreamObservationColumns", true,
       [](const v1::ObservationFilter&) {
         return Serialize(v1::StreamObservationColumnsRequest());
       },
       nullptr},
  };
  return *scenarios;
}

// What the service answered once: the floor's payload and how the floor
// repeats it, and what each call of either target must deliver.
struct Probe {
  bench::v1::PrimeRequest prime;
  bench::v1::EchoRequest echo;
  std::string floor_method;
  int64_t service_observations = 0;  // Per stream.
  int64_t floor_observations = 0;    // Per echo stream.
  size_t response_bytes = 0;
};

// Streams the export once: its first message (a full batch) is what the
// floor repeats, as many times as the export has messages.
absl::StatusOr<Probe> ProbeStream(grpc::GenericStub* probe,
                                  const Target& service) {
  Probe out;
  out.service_observations = absl::GetFlag(FLAGS_expect_observations);
  if (out.service_observations < 0) {
    auto info = CallOnce(probe, absl::StrCat(kService, "GetDatasetInfo"),
                         Serialize(v1::GetDatasetInfoRequest()));
    if (!info.ok()) return info.status();
    v1::GetDatasetInfoResponse parsed;
    parsed.ParseFromString(Flatten(*info));
    out.service_observations = parsed.dataset().observation_count();
  }
  Recorder recorder;
  std::string first;
  int64_t messages = 0, first_rows = 0;
  recorder.Begin();
  new StreamCall(
      probe, service.method, service.request, &recorder,
      [&] { recorder.End(); },
      [&](const grpc::ByteBuffer& message) {
        if (messages++ == 0) {
          first = Flatten(message);
          grpc::ByteBuffer copy(message);
          first_rows = CountObservations(&copy);
        }
      });
  const Round probed = recorder.Finish(absl::ZeroDuration());
  if (probed.errors > 0) {
    return absl::UnavailableError(
        absl::StrCat("probe stream: ", probed.first_error));
  }
  if (probed.observations != out.service_observations) {
    return absl::FailedPreconditionError(
        absl::StrCat("probe stream delivered ", probed.observations,
                     " observations; expected ", out.service_observations));
  }
  out.prime.set_payload(first);
  out.echo.set_count(static_cast<uint32_t>(messages));
  out.floor_observations = messages * first_rows;
  out.response_bytes = first.size();
  out.floor_method = "/bench.v1.FloorService/Stream";
  return out;
}

// Calls the service once and checks its answer, which the floor repeats.
absl::StatusOr<Probe> ProbeUnary(grpc::GenericStub* probe,
                                 const Target& service,
                                 const Scenario& scenario) {
  auto response = CallOnce(probe, service.method, service.request);
  if (!response.ok()) return response.status();
  const std::string bytes = Flatten(*response);
  if (!scenario.check(bytes)) {
    return absl::FailedPreconditionError(
        absl::StrCat(scenario.name, ": unexpected answer from the service"));
  }
  Probe out;
  out.prime.set_payload(bytes);
  out.response_bytes = bytes.size();
  out.floor_method = "/bench.v1.FloorService/Unary";
  return out;
}

// Gives the floor the probe's payload; sets the floor's request.
absl::Status PrimeFloor(Target& floor, Probe& probe) {
  auto primed = CallOnce(floor.stubs[0].get(), "/bench.v1.FloorService/Prime",
                         Serialize(probe.prime));
  if (!primed.ok()) return primed.status();
  bench::v1::PrimeResponse key;
  key.ParseFromString(Flatten(*primed));
  probe.echo.set_key(key.key());
  floor.method = probe.floor_method;
  floor.request = Serialize(probe.echo);
  return absl::OkStatus();
}

// Runs --rounds rounds of the floor then the service; returns each target's
// rounds ([0] the floor), or the first failure.
absl::StatusOr<std::array<std::vector<Round>, 2>> RunRounds(Target& floor,
                                                            Target& service,
                                                            bool streaming,
                                                            const Probe& probe,
                                                            double* pace_rate) {
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const int rounds = absl::GetFlag(FLAGS_rounds);
  const int inflight = absl::GetFlag(FLAGS_inflight);
  const double paced = absl::GetFlag(FLAGS_paced_fraction);
  if (paced > 0) {  // The floor's maximum rate sets the pace for both.
    std::vector<double> rates;
    for (int r = 0; r < rounds; ++r)
      rates.push_back(RunClosed(floor, duration, inflight).rate());
    *pace_rate = paced * Median(rates);
  }
  std::array<std::vector<Round>, 2> results;
  for (int r = 0; r < rounds; ++r) {
    for (int which = 0; which < 2; ++which) {
      Target& t = which == 0 ? floor : service;
      Round round = streaming   ? RunStreams(t, duration)
                    : paced > 0 ? RunPaced(t, duration, *pace_rate)
                                : RunClosed(t, duration, inflight);
      if (round.errors > 0) {
        return absl::UnavailableError(
            absl::StrCat(t.name, ": ", round.errors,
                         " failed calls, first: ", round.first_error));
      }
      const int64_t per_call =
          which == 0 ? probe.floor_observations : probe.service_observations;
      if (streaming && round.observations != round.calls * per_call) {
        return absl::DataLossError(
            absl::StrCat(t.name, ": streams delivered ", round.observations,
                         " observations in ", round.calls, " streams"));
      }
      results[which].push_back(std::move(round));
    }
  }
  return results;
}

// Prints the RESULT line: scenario, mode, unit, service and floor
// throughput, their ratio, the response's bytes, the service's and the
// floor's latency percentiles, and both byte rates.
void Report(const std::string& scenario, bool streaming, double pace_rate,
            const Probe& probe,
            const std::array<std::vector<Round>, 2>& results) {
  auto median_of = [&](int which, auto f) {
    std::vector<double> v;
    for (const Round& r : results[which]) v.push_back(f(r));
    return Median(v);
  };
  auto throughput = [&](const Round& r) {
    return streaming ? r.observations / r.seconds : r.rate();
  };
  auto byte_rate = [](const Round& r) { return r.bytes / r.seconds; };
  const double floor_tp = median_of(0, throughput);
  const double service_tp = median_of(1, throughput);
  const double floor_bytes = median_of(0, byte_rate);
  const double service_bytes = median_of(1, byte_rate);
  const double ratio =
      streaming ? service_bytes / floor_bytes : service_tp / floor_tp;
  auto percentile = [&](int which, double q) {
    return median_of(which, [q](const Round& r) { return r.Percentile(q); });
  };
  std::printf(
      "RESULT\t%s\t%s\t%s\t%.0f\t%.0f\t%.3f\t%zu\t%.0f\t%.0f\t%.0f\t%.0f\t%."
      "0f\t%.0f\t%.0f\t%.0f\n",
      scenario.c_str(),
      pace_rate > 0 ? absl::StrFormat("paced@%.0f/s", pace_rate).c_str()
                    : "max",
      streaming ? "obs/s" : "req/s", service_tp, floor_tp, ratio,
      probe.response_bytes, percentile(1, 0.5), percentile(1, 0.9),
      percentile(1, 0.99), percentile(0, 0.5), percentile(0, 0.9),
      percentile(0, 0.99), service_bytes, floor_bytes);
}

// Returns the stubs of `channels` channels to `address`.
std::vector<std::unique_ptr<grpc::GenericStub>> Stubs(
    const std::string& address, int channels) {
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  for (auto& ch : MakeChannels(address, channels)) {
    stubs.push_back(std::make_unique<grpc::GenericStub>(ch));
  }
  return stubs;
}

}  // namespace

int main(int argc, char** argv) {
  indicators::ListOwnFlagsInHelp(__FILE__);
  absl::ParseCommandLine(argc, argv);
  const std::string name = absl::GetFlag(FLAGS_scenario);
  const int channels = absl::GetFlag(FLAGS_channels);
  Target service{
      "service", Stubs(absl::GetFlag(FLAGS_service), channels), "", {}};
  grpc::GenericStub* probe = service.stubs[0].get();
  if (name == "wait_serving") return WaitServing(probe);
  if (absl::GetFlag(FLAGS_floor).empty()) return Fail("--floor is required");
  Target floor{"floor", Stubs(absl::GetFlag(FLAGS_floor), channels), "", {}};

  const Scenario* scenario = nullptr;
  for (const Scenario& s : Scenarios()) {
    if (name == s.name) scenario = &s;
  }
  if (scenario == nullptr) return Fail(absl::StrCat("unknown scenario ", name));
  columns_scenario = name == "columns";
  service.method = absl::StrCat(kService, scenario->method);
  service.request = scenario->request(ScenarioFilter());

  absl::StatusOr<Probe> probed = scenario->streaming
                                     ? ProbeStream(probe, service)
                                     : ProbeUnary(probe, service, *scenario);
  if (!probed.ok()) return Fail(std::string(probed.status().message()));
  if (absl::Status primed = PrimeFloor(floor, *probed); !primed.ok()) {
    return Fail(std::string(primed.message()));
  }
  double pace_rate = 0;
  auto results =
      RunRounds(floor, service, scenario->streaming, *probed, &pace_rate);
  if (!results.ok()) return Fail(std::string(results.status().message()));
  Report(name, scenario->streaming, pace_rate, *probed, *results);
  return 0;
}
