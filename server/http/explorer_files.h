#ifndef INDICATORS_SERVER_HTTP_EXPLORER_FILES_H_
#define INDICATORS_SERVER_HTTP_EXPLORER_FILES_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/http/http_exchange.h"

namespace indicators::http {

// The web explorer's files (client/web, bundled at build time): index.html,
// explorer.js and explorer.css, read once at start and served from memory
// at /, /explorer.js and /explorer.css with a content security policy that
// lets the page load nothing but them and call nothing but this server.
class ExplorerFiles {
 public:
  // Reads the files of `dir`. Missing files are not an error: the paths
  // then answer 404 saying that the explorer was not built.
  static ExplorerFiles Load(const std::string& dir);

  // Returns whether `path` is one of the explorer's.
  static bool Serves(absl::string_view path);

  void Handle(HttpExchange& exchange) const;

 private:
  struct File {
    std::string content_type;
    std::string bytes;
    std::string etag;
  };
  std::string dir_;
  std::map<std::string, File, std::less<>> files_;  // By path.
};

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_EXPLORER_FILES_H_
