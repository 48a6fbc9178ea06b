#include "tests/testing/temp_dataset.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "server/core/load/dataset_loader.h"

namespace indicators::testing {

std::string TestDataDir(const std::string& name) {
  return INDICATORS_SOURCE_DIR "/tests/testdata/" + name;
}

std::string BundledDataDir() { return INDICATORS_SOURCE_DIR "/data"; }

TempDataset::TempDataset(const std::string& from) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "indicators-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  dir_ = pattern;
  for (const char* file : kDatasetFiles) {
    std::filesystem::copy_file(from + "/" + file, dir_ + "/" + file);
  }
}

TempDataset::~TempDataset() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string TempDataset::Read(const std::string& file) const {
  std::ifstream in(dir_ + "/" + file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void TempDataset::Write(const std::string& file,
                        const std::string& content) const {
  std::ofstream(dir_ + "/" + file, std::ios::binary | std::ios::trunc)
      << content;
}

}  // namespace indicators::testing
