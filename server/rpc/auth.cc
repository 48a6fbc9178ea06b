#include "server/rpc/auth.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "server/core/base/file_io.h"
#include "server/core/base/sha256.h"
#include "server/rpc/call_protocol.h"

namespace indicators::rpc {

std::string HashToken(absl::string_view token) { return Sha256Hex(token); }

namespace {

// Reads `requests_per_second=N` and `streams=N` words into `limits`; false
// for any other word or a bad number.
bool ParseLimits(absl::Span<const absl::string_view> words,
                 QuotaLimits* limits) {
  for (absl::string_view word : words) {
    if (absl::ConsumePrefix(&word, "requests_per_second=")) {
      if (!absl::SimpleAtod(word, &limits->requests_per_second) ||
          !(limits->requests_per_second >= 0) ||
          limits->requests_per_second > 1e9) {
        return false;
      }
    } else if (absl::ConsumePrefix(&word, "streams=")) {
      if (!absl::SimpleAtoi(word, &limits->streams) || limits->streams < 0) {
        return false;
      }
    } else {
      return false;
    }
  }
  return true;
}

bool IsTokenHash(absl::string_view text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
           return absl::ascii_isxdigit(c) && !absl::ascii_isupper(c);
         });
}

// The client's address without its port: the HTTP gateway's caller, or the
// peer ("ipv4:192.0.2.1:5000", "ipv6:[::1]:5000").
std::string ClientAddress(const grpc::ServerContextBase& context) {
  const CallOrigin origin = OriginOf(context);
  std::string peer =
      origin.client_address.empty() ? context.peer() : origin.client_address;
  for (absl::string_view scheme : {"ipv4:", "ipv6:"}) {
    if (absl::StartsWith(peer, scheme)) peer.erase(0, scheme.size());
  }
  const size_t colon = peer.rfind(':');
  if (colon != std::string::npos && peer.find(':') == colon) {
    peer.erase(colon);  // host:port
  } else if (!peer.empty() && peer[0] == '[') {
    peer = peer.substr(1, peer.find(']') - 1);  // [v6]:port
  }
  return peer;
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Authorizer>> Authorizer::Create(
    const AuthOptions& options) {
  std::shared_ptr<Authorizer> auth(new Authorizer());
  auth->require_read_token_ = options.require_read_token;
  auth->anonymous_ = options.anonymous;
  if (!(options.anonymous.requests_per_second >= 0) ||
      options.anonymous.streams < 0) {
    return absl::InvalidArgumentError(
        "anonymous_requests_per_second, anonymous_streams: must not be "
        "negative");
  }
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
    const auto bad = [&] {
      return absl::InvalidArgumentError(absl::StrCat(
          options.tokens_file, ":", number,
          ": expected \"<sha256 hex of the token> read|write|admin[,...] "
          "[requests_per_second=N] [streams=N]\" or \"quota "
          "read|write|admin requests_per_second=N streams=N\""));
    };
    if (parts.size() >= 2 && parts[0] == "quota") {
      QuotaLimits* limits = parts[1] == "read"    ? &auth->read_limits_
                            : parts[1] == "write" ? &auth->write_limits_
                            : parts[1] == "admin" ? &auth->admin_limits_
                                                  : nullptr;
      if (limits == nullptr ||
          !ParseLimits(absl::MakeConstSpan(parts).subspan(2), limits)) {
        return bad();
      }
      continue;
    }
    Grant grant;
    bool ok = parts.size() >= 2 && IsTokenHash(parts[0]);
    for (absl::string_view scope :
         absl::StrSplit(parts.size() >= 2 ? parts[1] : "", ',')) {
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
    if (ok && parts.size() > 2) {
      grant.limits.emplace();
      ok = ParseLimits(absl::MakeConstSpan(parts).subspan(2), &*grant.limits);
    }
    if (!ok) return bad();
    auth->grants_[std::string(parts[0])] = grant;
  }
  auth->token_limits_ =
      !auth->read_limits_.unlimited() || !auth->write_limits_.unlimited() ||
      !auth->admin_limits_.unlimited() ||
      std::any_of(auth->grants_.begin(), auth->grants_.end(),
                  [](const auto& g) {
                    return g.second.limits && !g.second.limits->unlimited();
                  });
  return auth;
}

absl::Status Authorizer::Check(const grpc::ServerContextBase& context,
                               Permission permission,
                               QuotaSubject* subject) const {
  const auto& metadata = context.client_metadata();
  auto header = metadata.find("authorization");
  absl::string_view value;
  if (header != metadata.end()) {
    value = absl::string_view(header->second.data(), header->second.size());
  }
  const bool open = permission == Permission::kRead && !require_read_token_;
  const bool bearer = absl::ConsumePrefix(&value, "Bearer ");
  // An open read looks its token up only to count it against its quota.
  auto grant = bearer && (!open || token_limits_)
                   ? grants_.find(HashToken(value))
                   : grants_.end();
  if (open && grant == grants_.end()) {
    // An open read: any caller, counted by address (a token this server
    // does not know is ignored, as before there were quotas).
    if (subject != nullptr && !anonymous_.unlimited()) {
      *subject = {absl::StrCat("address:", ClientAddress(context)), anonymous_};
    }
    return absl::OkStatus();
  }
  if (header == metadata.end()) {
    return absl::UnauthenticatedError(
        "missing bearer token (authorization: Bearer TOKEN)");
  }
  if (!bearer) {
    return absl::UnauthenticatedError("authorization must be \"Bearer TOKEN\"");
  }
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
  if (subject != nullptr) {
    const Grant& g = grant->second;
    *subject = {absl::StrCat("token:", grant->first.substr(0, 12)),
                g.limits  ? *g.limits
                : g.admin ? admin_limits_
                : g.write ? write_limits_
                          : read_limits_};
  }
  return absl::OkStatus();
}

}  // namespace indicators::rpc
