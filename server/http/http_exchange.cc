#include "server/http/http_exchange.h"

#include <civetweb.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace indicators::http {

HttpExchange::HttpExchange(mg_connection* connection, Headers common_headers)
    : connection_(connection), common_headers_(std::move(common_headers)) {
  const mg_request_info* info = mg_get_request_info(connection_);
  method_ = info->request_method != nullptr ? info->request_method : "";
  path_ = info->local_uri != nullptr ? info->local_uri : "";
  query_ = info->query_string != nullptr ? info->query_string : "";
}

absl::string_view HttpExchange::header(absl::string_view name) const {
  const mg_request_info* info = mg_get_request_info(connection_);
  for (int i = 0; i < info->num_headers; ++i) {
    if (absl::EqualsIgnoreCase(info->http_headers[i].name, name)) {
      return info->http_headers[i].value;
    }
  }
  return {};
}

bool HttpExchange::has_header(absl::string_view name) const {
  const mg_request_info* info = mg_get_request_info(connection_);
  for (int i = 0; i < info->num_headers; ++i) {
    if (absl::EqualsIgnoreCase(info->http_headers[i].name, name)) return true;
  }
  return false;
}

std::string HttpExchange::remote() const {
  const mg_request_info* info = mg_get_request_info(connection_);
  return absl::StrCat(info->remote_addr, ":", info->remote_port);
}

std::string HttpExchange::remote_address() const {
  return mg_get_request_info(connection_)->remote_addr;
}

absl::StatusOr<std::optional<std::string>> HttpExchange::QueryParameter(
    absl::string_view name, size_t max_bytes) const {
  if (query_.empty()) return std::optional<std::string>();
  // A decoded value is never longer than the query itself.
  std::string value(std::min(query_.size(), max_bytes) + 1, '\0');
  const std::string key(name);
  const int n = mg_get_var(query_.data(), query_.size(), key.c_str(),
                           value.data(), value.size());
  if (n == -1) return std::optional<std::string>();
  if (n < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "query parameter ", name, ": longer than ", max_bytes, " bytes"));
  }
  value.resize(static_cast<size_t>(n));
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<std::string> HttpExchange::ReadBody(size_t max_bytes) {
  std::string body;
  char buffer[16384];
  while (true) {
    const int n = mg_read(connection_, buffer, sizeof buffer);
    if (n <= 0) break;
    if (body.size() + static_cast<size_t>(n) > max_bytes) {
      // Reads the rest so that the connection stays usable, keeping nothing.
      while (mg_read(connection_, buffer, sizeof buffer) > 0) {
      }
      return absl::ResourceExhaustedError(absl::StrCat(
          "request body larger than the limit of ", max_bytes, " bytes"));
    }
    body.append(buffer, static_cast<size_t>(n));
  }
  return body;
}

void HttpExchange::SendHeaders(int status, absl::string_view content_type,
                               const Headers& headers, bool chunked,
                               size_t length) {
  responded_ = true;
  mg_response_header_start(connection_, status);
  if (!content_type.empty()) {
    const std::string type(content_type);
    mg_response_header_add(connection_, "Content-Type", type.c_str(), -1);
  }
  if (chunked) {
    mg_response_header_add(connection_, "Transfer-Encoding", "chunked", -1);
  } else {
    const std::string n = absl::StrCat(length);
    mg_response_header_add(connection_, "Content-Length", n.c_str(), -1);
  }
  for (const Headers* list : {&std::as_const(common_headers_), &headers}) {
    for (const auto& [name, value] : *list) {
      mg_response_header_add(connection_, name.c_str(), value.c_str(), -1);
    }
  }
  mg_response_header_send(connection_);
}

void HttpExchange::Respond(int status, absl::string_view content_type,
                           absl::string_view body, const Headers& headers) {
  SendHeaders(status, content_type, headers, /*chunked=*/false, body.size());
  if (!body.empty() && method_ != "HEAD") {
    mg_write(connection_, body.data(), body.size());
  }
}

void HttpExchange::StartChunks(int status, absl::string_view content_type,
                               const Headers& headers) {
  SendHeaders(status, content_type, headers, /*chunked=*/true, 0);
}

bool HttpExchange::SendChunk(absl::string_view data) {
  if (data.empty()) return true;  // An empty chunk would end the body.
  return mg_send_chunk(connection_, data.data(),
                       static_cast<unsigned int>(data.size())) > 0;
}

bool HttpExchange::EndChunks() {
  return mg_write(connection_, "0\r\n\r\n", 5) > 0;
}

}  // namespace indicators::http
