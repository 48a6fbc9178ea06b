#include "server/rpc/auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/core/base/file_io.h"
#include "server/core/base/sha256.h"

namespace indicators::rpc {

std::string HashToken(absl::string_view token) { return Sha256Hex(token); }

absl::StatusOr<std::shared_ptr<const Authorizer>> Authorizer::Create(
    const AuthOptions& options) {
  std::shared_ptr<Authorizer> auth(new Authorizer());
  auth->require_read_token_ = options.require_read_token;
  if (options.tokens_file.empty()) {
    if (options.require_read_token) {
      return absl::InvalidArgumentError(
          "require_read_token: needs --tokens_file");
    }
    return auth;
  }
  absl::StatusOr<std::string> content = ReadFile(options.tokens_file);
  if (!content.ok()) {
    return absl::Status(
        content.status().code(),
        absl::StrCat("tokens_file: ", content.status().message()));
  }
  int number = 0;
  for (absl::string_view line : absl::StrSplit(*content, '\n')) {
    ++number;
    absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || absl::StartsWith(text, "#")) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    Grant grant;
    bool ok = parts.size() == 2 && parts[0].size() == 64 &&
              std::all_of(parts[0].begin(), parts[0].end(), [](char c) {
                return absl::ascii_isxdigit(c) && !absl::ascii_isupper(c);
              });
    for (absl::string_view scope :
         absl::StrSplit(parts.size() == 2 ? parts[1] : "", ',')) {
      if (scope == "read") {
        grant.read = true;
      } else if (scope == "write") {
        grant.write = grant.read = true;
      } else if (scope == "admin") {
        grant.admin = grant.read = true;
      } else {
        ok = false;
      }
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.tokens_file, ":", number,
          ": expected \"<sha256 hex of the token> read|write|admin[,...]\""));
    }
    auth->grants_[std::string(parts[0])] = grant;
  }
  return auth;
}

absl::Status Authorizer::Check(const grpc::ServerContextBase& context,
                               Permission permission) const {
  if (permission == Permission::kRead && !require_read_token_) {
    return absl::OkStatus();
  }
  const auto& metadata = context.client_metadata();
  auto header = metadata.find("authorization");
  if (header == metadata.end()) {
    return absl::UnauthenticatedError(
        "missing bearer token (authorization: Bearer TOKEN)");
  }
  absl::string_view value(header->second.data(), header->second.size());
  if (!absl::ConsumePrefix(&value, "Bearer ")) {
    return absl::UnauthenticatedError("authorization must be \"Bearer TOKEN\"");
  }
  auto grant = grants_.find(HashToken(value));
  if (grant == grants_.end()) {
    return absl::UnauthenticatedError("unknown bearer token");
  }
  if (permission == Permission::kAdmin && !grant->second.admin) {
    return absl::PermissionDeniedError("this method needs the admin scope");
  }
  if (permission == Permission::kWrite && !grant->second.write) {
    return absl::PermissionDeniedError("this method needs the write scope");
  }
  if (!grant->second.read) {
    return absl::PermissionDeniedError("this method needs the read scope");
  }
  return absl::OkStatus();
}

}  // namespace indicators::rpc
