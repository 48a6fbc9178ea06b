#ifndef INDICATORS_SERVER_HTTP_INPROCESS_CALL_H_
#define INDICATORS_SERVER_HTTP_INPROCESS_CALL_H_

#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/client_callback.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace indicators::http {

// A call of the service through its in-process channel, made from an HTTP
// worker thread, which waits for it: gRPC's callback threads never wait.
struct CallSetup {
  // "/indicators.v1.IndicatorService/GetIndicator".
  std::string method;
  // Metadata sent with the call (lower-case keys).
  std::vector<std::pair<std::string, std::string>> metadata;
  // When the call ends with DEADLINE_EXCEEDED; none if unset.
  std::optional<absl::Time> deadline;
};

struct UnaryAnswer {
  grpc::Status status;
  std::string response;  // The answer's bytes when `status` is OK.
};

// Calls the unary method of `setup` with the `request` bytes and waits for
// the answer.
UnaryAnswer CallUnary(grpc::GenericStub& stub, const CallSetup& setup,
                      const std::string& request);

// A server-streaming call read one message at a time: the next message is
// asked of gRPC only when the previous one has been taken, so a slow HTTP
// client slows the stream down (flow control reaches the service) instead
// of filling memory.
class StreamCall final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  // Starts the call with its one request message.
  StreamCall(grpc::GenericStub& stub, const CallSetup& setup,
             const std::string& request);
  // Cancels the call if it is still running, and waits for its end.
  ~StreamCall() override;

  // Waits for the next message: true with it in `message`, false at the end
  // of the stream (then `Finish` gives its status).
  bool Next(std::string* message);
  // Waits for the end of the call and returns its status; a call whose
  // messages have not all been read is cancelled first.
  grpc::Status Finish();
  // Ends the call (the HTTP client went away).
  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  // Reads are started from the HTTP thread, outside gRPC's reactions, so the
  // call holds gRPC's hold on the stream (AddHold) until no more will be:
  // without it gRPC may end the call, and free its state, between a message
  // and the next StartRead. Releases the hold once.
  void ReleaseHold() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer read_;
  absl::Mutex mu_;
  bool message_ready_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_ended_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  bool held_ ABSL_GUARDED_BY(mu_) = true;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_INPROCESS_CALL_H_
