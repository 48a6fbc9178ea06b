#include "server/http/explorer_files.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/core/base/errors.h"
#include "server/core/base/file_io.h"
#include "server/core/base/sha256.h"
#include "server/http/connect_error.h"

namespace indicators::http {
namespace {

struct Entry {
  const char* path;
  const char* file;
  const char* content_type;
};
constexpr Entry kEntries[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/explorer.js", "explorer.js", "text/javascript; charset=utf-8"},
    {"/explorer.css", "explorer.css", "text/css; charset=utf-8"},
};

constexpr char kPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

}  // namespace

ExplorerFiles ExplorerFiles::Load(const std::string& dir) {
  ExplorerFiles files;
  files.dir_ = dir;
  for (const Entry& entry : kEntries) {
    absl::StatusOr<std::string> bytes =
        ReadFile(absl::StrCat(dir, "/", entry.file));
    if (!bytes.ok()) continue;
    File file;
    file.content_type = entry.content_type;
    file.etag = absl::StrCat("\"", Sha256Hex(*bytes).substr(0, 32), "\"");
    file.bytes = *std::move(bytes);
    files.files_.emplace(entry.path, std::move(file));
  }
  return files;
}

bool ExplorerFiles::Serves(absl::string_view path) {
  for (const Entry& entry : kEntries) {
    if (path == entry.path || path == "/index.html") return true;
  }
  return false;
}

void ExplorerFiles::Handle(HttpExchange& exchange) const {
  absl::string_view path = exchange.path();
  if (path == "/index.html") path = "/";
  auto it = files_.find(path);
  if (it == files_.end()) {
    exchange.Respond(
        404, "application/json",
        ConnectErrorJson(grpc::Status(
            grpc::StatusCode::NOT_FOUND,
            absl::StrCat("the web explorer is not in ", Quoted(dir_),
                         " (build it: the client/web target; or set "
                         "--http_explorer_dir)"))));
    return;
  }
  if (exchange.method() != "GET" && exchange.method() != "HEAD") {
    exchange.Respond(405, "", "", {{"Allow", "GET, HEAD"}});
    return;
  }
  const File& file = it->second;
  Headers headers = {{"ETag", file.etag},
                     {"Cache-Control", "no-cache"},
                     {"X-Content-Type-Options", "nosniff"},
                     {"Content-Security-Policy", kPolicy},
                     {"Referrer-Policy", "no-referrer"}};
  for (absl::string_view tag :
       absl::StrSplit(exchange.header("If-None-Match"), ',')) {
    if (absl::StripAsciiWhitespace(tag) == file.etag) {
      exchange.Respond(304, "", "", headers);
      return;
    }
  }
  exchange.Respond(200, file.content_type, file.bytes, headers);
}

}  // namespace indicators::http
