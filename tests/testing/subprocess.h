#ifndef INDICATORS_TESTS_TESTING_SUBPROCESS_H_
#define INDICATORS_TESTS_TESTING_SUBPROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace indicators::testing {

// A child process whose stdout and stderr are read through one pipe.
class Subprocess {
 public:
  // Starts `argv[0]` (looked up in PATH if it has no slash) with `argv`.
  explicit Subprocess(const std::vector<std::string>& argv);
  // Kills the process if it still runs.
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // Returns the next line of output (without '\n'), or false at end of
  // output or after `timeout`.
  bool ReadLine(std::string* line, absl::Duration timeout);
  // Sends `signal`.
  void Signal(int signal);
  // Waits up to `timeout` for the exit; returns the exit code, 128 + signal
  // for a signal, or -1 if it is still running.
  int Wait(absl::Duration timeout);
  pid_t pid() const { return pid_; }
  // Returns everything read so far.
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
  std::string output_;
  int status_ = -1;
};

// Runs `argv` to completion (bounded by `timeout`); returns its exit code and
// sets `output` to its stdout and stderr.
int RunCommand(const std::vector<std::string>& argv, std::string* output,
               absl::Duration timeout = absl::Seconds(60));

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_SUBPROCESS_H_
