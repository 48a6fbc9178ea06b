#include "server/rpc/call_protocol.h"

#include <openssl/rand.h>

#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"

namespace indicators::rpc {
namespace {

absl::string_view Value(const grpc::ServerContextBase& context,
                        absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

const std::string& GatewaySecret() {
  static const std::string* const secret = [] {
    unsigned char bytes[16] = {};
    if (RAND_bytes(bytes, sizeof bytes) != 1) {
      // No randomness: the gateway is then known only by a fixed marker,
      // which a gRPC caller could copy to mislabel its own calls; nothing
      // else depends on it.
      return new std::string("no-random-secret");
    }
    return new std::string(absl::BytesToHexString(
        absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes)));
  }();
  return *secret;
}

CallOrigin OriginOf(const grpc::ServerContextBase& context) {
  CallOrigin origin;
  if (Value(context, kGatewayKey) != GatewaySecret()) return origin;
  origin.protocol = Protocol::kConnect;
  origin.json_request = Value(context, kRequestEncodingKey) == "json";
  origin.client_address = std::string(Value(context, kClientAddressKey));
  return origin;
}

const char* ProtocolName(Protocol protocol) {
  return protocol == Protocol::kConnect ? "connect" : "grpc";
}

}  // namespace indicators::rpc
