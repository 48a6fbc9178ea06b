#ifndef INDICATORS_SERVER_HTTP_OPENAPI_DOCUMENT_H_
#define INDICATORS_SERVER_HTTP_OPENAPI_DOCUMENT_H_

#include "absl/strings/string_view.h"

namespace indicators::http {

// Returns the OpenAPI 3.1 document of the HTTP surface (GET /openapi.json),
// generated from proto/ at build time by tools/openapi/generate_openapi.py.
absl::string_view OpenApiDocument();

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_OPENAPI_DOCUMENT_H_
