#include "client/cpp/output_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "absl/strings/str_cat.h"

namespace indicators::client {

absl::StatusOr<std::unique_ptr<OutputFile>> OutputFile::Open(
    const std::string& path) {
  std::unique_ptr<OutputFile> out(new OutputFile());
  if (path.empty() || path == "-") {
    out->stdout_ = &std::cout;
    return out;
  }
  out->path_ = path;
  out->temp_path_ = absl::StrCat(path, ".tmp-", getpid());
  out->file_.open(out->temp_path_, std::ios::binary | std::ios::trunc);
  if (!out->file_) {
    return absl::NotFoundError(absl::StrCat("--output: cannot write ",
                                            out->temp_path_, ": ",
                                            std::strerror(errno)));
  }
  return out;
}

OutputFile::~OutputFile() {
  if (!temp_path_.empty()) {
    file_.close();
    std::remove(temp_path_.c_str());
  }
}

absl::Status OutputFile::Commit() {
  if (temp_path_.empty()) {
    stdout_->flush();
    return absl::OkStatus();
  }
  file_.close();
  if (file_.fail()) {
    return absl::DataLossError(
        absl::StrCat("--output: writing ", temp_path_, " failed"));
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return absl::DataLossError(absl::StrCat("--output: cannot rename to ",
                                            path_, ": ", std::strerror(errno)));
  }
  temp_path_.clear();
  return absl::OkStatus();
}

}  // namespace indicators::client
