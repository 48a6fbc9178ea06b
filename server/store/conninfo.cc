#include "server/store/conninfo.h"

#include <libpq-fe.h>

#include <optional>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace indicators::store {
namespace {

constexpr std::pair<const char*, const char*> kTimeLimits[] = {
    {"connect_timeout", "5"},      {"keepalives_idle", "5"},
    {"keepalives_interval", "2"},  {"keepalives_count", "3"},
    {"tcp_user_timeout", "10000"},
};

// Returns the keywords `conninfo` sets, or nullopt if libpq cannot parse it.
std::optional<std::set<std::string>> KeywordsSet(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return std::nullopt;
  }
  std::set<std::string> set;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') set.insert(o->keyword);
  }
  PQconninfoFree(options);
  return set;
}

}  // namespace

std::string WithTimeLimits(const std::string& conninfo) {
  const std::optional<std::set<std::string>> set = KeywordsSet(conninfo);
  if (!set.has_value()) return conninfo;
  const bool uri = absl::StartsWith(conninfo, "postgresql://") ||
                   absl::StartsWith(conninfo, "postgres://");
  std::string out = conninfo;
  bool has_query = uri && absl::StrContains(conninfo, "?");
  for (const auto& [keyword, value] : kTimeLimits) {
    if (set->count(keyword) > 0) continue;
    if (uri) {
      absl::StrAppend(&out, has_query ? "&" : "?", keyword, "=", value);
      has_query = true;
    } else {
      absl::StrAppend(&out, out.empty() ? "" : " ", keyword, "=", value);
    }
  }
  return out;
}

std::string DescribeDatabase(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    PQfreemem(error);
    return "postgresql (unparsable connection string)";
  }
  std::string host = "localhost", port = "5432", dbname;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    const std::string key = o->keyword;
    if (key == "host") host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  if (!host.empty() && host[0] == '/') {  // A Unix socket directory.
    return absl::StrCat("postgresql:///", dbname, "?host=", host,
                        "&port=", port);
  }
  return absl::StrCat("postgresql://", host, ":", port, "/", dbname);
}

}  // namespace indicators::store
