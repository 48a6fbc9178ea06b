#ifndef INDICATORS_SERVER_RPC_CALL_PROTOCOL_H_
#define INDICATORS_SERVER_RPC_CALL_PROTOCOL_H_

#include <grpcpp/server_context.h>

#include <string>

namespace indicators::rpc {

// How a call reached the service: over gRPC itself, or through the HTTP
// gateway (the Connect protocol, server/http), which calls the service in
// process and says so in metadata, with a secret drawn at random for each
// process, so that a gRPC caller cannot pass for it.
enum class Protocol { kGrpc = 0, kConnect = 1 };
inline constexpr int kProtocolCount = 2;

// The metadata the gateway sets: the gateway's secret (`GatewaySecret()`),
// and the request's encoding when it is protobuf's JSON mapping ("json")
// instead of binary.
inline constexpr char kGatewayKey[] = "x-indicators-gateway";
inline constexpr char kRequestEncodingKey[] = "x-indicators-request-encoding";
inline constexpr char kClientAddressKey[] = "x-indicators-client-address";

// Returns this process's gateway secret (32 random hex digits).
const std::string& GatewaySecret();

// How the call's request arrived.
struct CallOrigin {
  Protocol protocol = Protocol::kGrpc;
  // The request bytes are JSON (protobuf's JSON mapping), not binary.
  bool json_request = false;
  // The HTTP caller's address, as the gateway saw it; empty over gRPC.
  std::string client_address;
};

// Returns how the call of `context` arrived.
CallOrigin OriginOf(const grpc::ServerContextBase& context);

// Returns the protocol's name as metrics and logs spell it ("grpc",
// "connect").
const char* ProtocolName(Protocol protocol);

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_CALL_PROTOCOL_H_
