#ifndef INDICATORS_SERVER_HTTP_HTTP_EXCHANGE_H_
#define INDICATORS_SERVER_HTTP_HTTP_EXCHANGE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

struct mg_connection;

namespace indicators::http {

// Response headers as name and value.
using Headers = std::vector<std::pair<std::string, std::string>>;

// One HTTP request and its response on a civetweb connection: what a
// handler reads (method, path, query, headers, body) and the three ways it
// answers (a whole body, a chunked stream, an empty status). Headers every
// response carries (CORS) are added to each answer.
class HttpExchange {
 public:
  HttpExchange(mg_connection* connection, Headers common_headers);

  absl::string_view method() const { return method_; }
  // The path without the query, percent-decoded by civetweb.
  absl::string_view path() const { return path_; }
  // The query string as sent (without "?"), empty if none.
  absl::string_view query() const { return query_; }
  // Returns the value of header `name` (case-insensitive), or empty.
  absl::string_view header(absl::string_view name) const;
  // Returns whether header `name` was sent.
  bool has_header(absl::string_view name) const;
  // The client's address and port, as "address:port".
  std::string remote() const;
  // The client's address, without the port.
  std::string remote_address() const;

  // Returns the query parameter `name`, percent-decoded, or nullopt if it is
  // absent. INVALID_ARGUMENT if it is longer than `max_bytes`.
  absl::StatusOr<std::optional<std::string>> QueryParameter(
      absl::string_view name, size_t max_bytes) const;

  // Reads the request body. RESOURCE_EXHAUSTED if it is longer than
  // `max_bytes` (what was read is then discarded).
  absl::StatusOr<std::string> ReadBody(size_t max_bytes);

  // Answers with `status`, `content_type` and the whole `body`.
  void Respond(int status, absl::string_view content_type,
               absl::string_view body, const Headers& headers = {});
  // Starts a chunked answer; `SendChunk` then writes each part and
  // `EndChunks` the end. Both return false once the client is gone.
  void StartChunks(int status, absl::string_view content_type,
                   const Headers& headers = {});
  bool SendChunk(absl::string_view data);
  bool EndChunks();

  // Whether an answer has been started.
  bool responded() const { return responded_; }

 private:
  void SendHeaders(int status, absl::string_view content_type,
                   const Headers& headers, bool chunked, size_t length);

  mg_connection* connection_;
  Headers common_headers_;
  std::string method_;
  std::string path_;
  std::string query_;
  bool responded_ = false;
};

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_HTTP_EXCHANGE_H_
