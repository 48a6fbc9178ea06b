#ifndef INDICATORS_CLIENT_CPP_OUTPUT_FILE_H_
#define INDICATORS_CLIENT_CPP_OUTPUT_FILE_H_

#include <fstream>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace indicators::client {

// Where the CLI writes its answer: standard output, or a file that appears
// only when complete. The file is written beside its final name and renamed
// over it by `Commit`; if the command fails first, the partial file is
// removed and an existing file of that name is left as it was.
class OutputFile {
 public:
  // Opens `path` for writing ("" or "-": standard output).
  static absl::StatusOr<std::unique_ptr<OutputFile>> Open(
      const std::string& path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  std::ostream& stream() { return file_.is_open() ? file_ : *stdout_; }
  // Flushes and, for a file, renames it into place; an error names the path.
  absl::Status Commit();

 private:
  OutputFile() = default;

  std::ostream* stdout_ = nullptr;
  std::ofstream file_;
  std::string path_;
  std::string temp_path_;
};

}  // namespace indicators::client

#endif  // INDICATORS_CLIENT_CPP_OUTPUT_FILE_H_
