#ifndef INDICATORS_SERVER_RPC_MESSAGE_SOURCE_H_
#define INDICATORS_SERVER_RPC_MESSAGE_SOURCE_H_

#include <grpcpp/support/byte_buffer.h>

#include <functional>

#include "absl/status/statusor.h"

namespace indicators::rpc {

// The messages of one streaming response, pulled one at a time, so that the
// writer holds only the message in flight.
class MessageSource {
 public:
  enum class Pull { kMessage, kEnd, kLater };
  virtual ~MessageSource() = default;
  // Sets `message` to the next message (kMessage), says that none is left
  // (kEnd) or that none is ready yet (kLater: a watch, which then calls the
  // function given to `CallWhenReady` once one may be), or returns an error
  // that ends the stream.
  virtual absl::StatusOr<Pull> Next(grpc::ByteBuffer* message) = 0;
  // Gives the function to call when `Next` may have a message after saying
  // kLater; called once, before the first `Next`. A source that never says
  // kLater ignores it.
  virtual void CallWhenReady(std::function<void()> ready) { (void)ready; }
  // Stops calling that function; returns once a call in progress is done.
  virtual void StopCalling() {}
};

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_MESSAGE_SOURCE_H_
