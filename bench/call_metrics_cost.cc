// What counting one call costs the server: the work the call adapter does per
// unary call when metrics are on (find the method's series, started and
// received, one message sent, handled with its code and duration), on one
// thread and on two contending for the same series. bench/run.sh prints it
// beside the point query's time per call.
#include <benchmark/benchmark.h>
#include <prometheus/registry.h>

#include "absl/time/time.h"
#include "indicators/v1/indicator_service.pb.h"
#include "server/rpc/call_metrics.h"

namespace {

void BM_CountOneUnaryCall(benchmark::State& state) {
  static prometheus::Registry* registry = new prometheus::Registry();
  static const indicators::rpc::CallMetrics* metrics =
      new indicators::rpc::CallMetrics(
          *registry, *indicators::v1::QueryObservationsRequest::descriptor()
                          ->file()
                          ->FindServiceByName("IndicatorService"));
  for (auto _ : state) {
    const auto* method =
        metrics->Find("QueryObservations", indicators::rpc::Protocol::kGrpc);
    method->Started();
    method->Sent();
    method->Handled(grpc::StatusCode::OK, absl::Microseconds(30));
  }
}
BENCHMARK(BM_CountOneUnaryCall)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
