#ifndef INDICATORS_SERVER_HTTP_DOWNLOAD_QUERY_H_
#define INDICATORS_SERVER_HTTP_DOWNLOAD_QUERY_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "indicators/v1/indicator_service.pb.h"

namespace indicators::http {

// Reads a download's query string into the stream request it stands for.
// Each parameter is a field of `ObservationFilter` or of `ValueOptions`
// under its proto name (`indicator_ids`, `start_period`, `source_mode`,
// `unit_multiplier`, ...). Repeated fields take comma-separated values (or
// the parameter repeated); enums their value name, with or without the
// type's prefix (`source_mode=preferred` or `SOURCE_MODE_PREFERRED`);
// booleans `true`/`false`. The values are checked by the service, as for
// any call; here only what cannot be a value of the field's type.
// INVALID_ARGUMENT (reason INVALID_REQUEST) names an unknown parameter or a
// value that does not fit its field.
absl::StatusOr<v1::StreamObservationsRequest> ParseDownloadQuery(
    absl::string_view query);

// Returns whether `request` asks for values expressed otherwise than as
// published (any value option set).
bool HasValueOptions(const v1::StreamObservationsRequest& request);

}  // namespace indicators::http

#endif  // INDICATORS_SERVER_HTTP_DOWNLOAD_QUERY_H_
