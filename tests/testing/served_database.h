#ifndef INDICATORS_TESTS_TESTING_SERVED_DATABASE_H_
#define INDICATORS_TESTS_TESTING_SERVED_DATABASE_H_

// What the suites that serve a database share: the schema and a dataset put
// into it with `indicators-admin`, and servers started as child processes.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "tests/testing/subprocess.h"

namespace indicators::testing {

// Runs `admin_binary migrate`, then `import dir`, on the database of
// `conninfo`; returns the first that fails with its output.
absl::Status MigrateAndImport(const std::string& admin_binary,
                              const std::string& conninfo,
                              const std::string& dir);

// Starts the server `argv` (which should listen on port 0) in `process` and
// returns the host:port it says it listens on, or "" if it does not say so
// within 30 s (its output is then in `(*process)->output()`).
std::string StartServerProcess(const std::vector<std::string>& argv,
                               std::unique_ptr<Subprocess>* process);

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_SERVED_DATABASE_H_
