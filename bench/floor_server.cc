// indicators-floor-server: the floor of the benchmark. It answers unary calls
// with a pre-built buffer and writes pre-built buffers on streams, through the
// same gRPC callback API, raw methods and thread setup as indicators-server,
// so that the difference between the two is the service's own work.

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <deque>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "common/own_flags_help.h"
#include "floor.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to listen on.");

namespace {

using FloorBase = bench::v1::FloorService::WithRawCallbackMethod_Unary<
    bench::v1::FloorService::WithRawCallbackMethod_Stream<
        bench::v1::FloorService::CallbackService>>;

class FloorService final : public FloorBase {
 public:
  grpc::ServerUnaryReactor* Prime(grpc::CallbackServerContext* context,
                                  const bench::v1::PrimeRequest* request,
                                  bench::v1::PrimeResponse* response) override {
    grpc::Slice slice(request->payload());
    absl::MutexLock lock(&mu_);
    payloads_.emplace_back(&slice, 1);
    response->set_key(static_cast<uint32_t>(payloads_.size() - 1));
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* Unary(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request,
                                  grpc::ByteBuffer* response) override {
    bench::v1::EchoRequest echo;
    auto* reactor = context->DefaultReactor();
    const grpc::ByteBuffer* payload = Parse(*request, &echo);
    if (payload == nullptr) {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such key"));
      return reactor;
    }
    *response = *payload;  // Shares the slices: no copy of the bytes.
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<grpc::ByteBuffer>* Stream(
      grpc::CallbackServerContext* /*context*/,
      const grpc::ByteBuffer* request) override {
    bench::v1::EchoRequest echo;
    const grpc::ByteBuffer* payload = Parse(*request, &echo);
    return new Writer(payload, payload == nullptr ? 0 : echo.count());
  }

 private:
  class Writer final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
   public:
    Writer(const grpc::ByteBuffer* payload, uint32_t count)
        : payload_(payload), left_(count) {
      if (payload_ == nullptr) {
        Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such key"));
        return;
      }
      Next();
    }
    void OnWriteDone(bool ok) override {
      if (!ok) {
        Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
        return;
      }
      Next();
    }
    void OnDone() override { delete this; }

   private:
    void Next() {
      if (left_ == 0) {
        Finish(grpc::Status::OK);
        return;
      }
      --left_;
      StartWrite(payload_);
    }
    const grpc::ByteBuffer* payload_;
    uint32_t left_;
  };

  const grpc::ByteBuffer* Parse(const grpc::ByteBuffer& request,
                                bench::v1::EchoRequest* echo) {
    grpc::Slice slice;
    if (!request.TrySingleSlice(&slice).ok() &&
        !request.DumpToSingleSlice(&slice).ok()) {
      return nullptr;
    }
    if (!echo->ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
      return nullptr;
    }
    absl::MutexLock lock(&mu_);
    if (echo->key() >= payloads_.size()) return nullptr;
    return &payloads_[echo->key()];
  }

  absl::Mutex mu_;
  std::deque<grpc::ByteBuffer> payloads_;  // Stable addresses.
};

}  // namespace

int main(int argc, char** argv) {
  indicators::ListOwnFlagsInHelp(__FILE__);
  absl::ParseCommandLine(argc, argv);
  FloorService service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "indicators-floor-server: cannot listen\n");
    return 1;
  }
  std::printf("indicators-floor-server listening on 127.0.0.1:%d;\n", port);
  std::fflush(stdout);
  server->Wait();
  return 0;
}
