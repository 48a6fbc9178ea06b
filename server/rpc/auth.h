#ifndef INDICATORS_SERVER_RPC_AUTH_H_
#define INDICATORS_SERVER_RPC_AUTH_H_

#include <grpcpp/server_context.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "server/rpc/quota.h"

namespace indicators::rpc {

// What a method needs: reading data, writing data (ingest), or administering
// the server. A token with the write or the admin scope may also read.
enum class Permission { kRead, kWrite, kAdmin };

struct AuthOptions {
  // File of accepted tokens, one per line: the lowercase hex SHA-256 of the
  // token, a space, and its scopes (`read`, `write`, `admin`,
  // comma-separated), then optionally its own limits
  // (`requests_per_second=N`, `streams=N`). A line `quota SCOPE
  // requests_per_second=N streams=N` sets the limits of the tokens of that
  // scope (their widest) that have none of their own. Lines starting with
  // '#' are comments. Tokens are never stored in clear.
  std::string tokens_file;
  // Whether read methods need a token too (otherwise they are open).
  bool require_read_token = false;
  // The limits of each client address calling without a token.
  QuotaLimits anonymous;
};

// Decides whether a call may proceed, from its bearer token. Every handler
// calls `Check` first, before looking at the request, so an unauthorized
// caller learns nothing (not even whether an id exists). This is the one
// place for it: gRPC 1.51's interceptors cannot reject a call, and its
// AuthMetadataProcessor needs TLS.
class Authorizer {
 public:
  // Reads the tokens file (if any); INVALID_ARGUMENT names a bad line.
  static absl::StatusOr<std::shared_ptr<const Authorizer>> Create(
      const AuthOptions& options);

  // Returns OK, UNAUTHENTICATED (no or unknown token) or PERMISSION_DENIED
  // (the token does not grant `permission`); on OK sets `subject` (unless
  // null) to whom the call counts against: its token or, without one, the
  // client's address, with the limits that apply.
  absl::Status Check(const grpc::ServerContextBase& context,
                     Permission permission,
                     QuotaSubject* subject = nullptr) const;

 private:
  struct Grant {
    bool read = false;
    bool write = false;
    bool admin = false;
    std::optional<QuotaLimits> limits;  // Its own, if the line gives them.
  };
  Authorizer() = default;

  bool require_read_token_ = false;
  absl::flat_hash_map<std::string, Grant> grants_;  // By SHA-256 hex.
  // The limits by scope, for tokens without their own, and without a token.
  QuotaLimits read_limits_, write_limits_, admin_limits_, anonymous_;
  bool token_limits_ = false;  // Some token has limits.
};

// Returns the lowercase hex SHA-256 of `token`, as the tokens file stores it.
std::string HashToken(absl::string_view token);

}  // namespace indicators::rpc

#endif  // INDICATORS_SERVER_RPC_AUTH_H_
