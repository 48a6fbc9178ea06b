#ifndef INDICATORS_TESTS_TESTING_TEMP_DATASET_H_
#define INDICATORS_TESTS_TESTING_TEMP_DATASET_H_

#include <string>

namespace indicators::testing {

// Returns the directory of the dataset bundled with the project.
std::string BundledDataDir();

// A dataset directory in a fresh temporary folder, removed on destruction.
// Starts as a copy of the bundled dataset; tests then rewrite single files.
class TempDataset {
 public:
  TempDataset();
  ~TempDataset();
  TempDataset(const TempDataset&) = delete;
  TempDataset& operator=(const TempDataset&) = delete;

  const std::string& dir() const { return dir_; }
  // Returns the content of `file` (such as "observations.csv").
  std::string Read(const std::string& file) const;
  // Replaces the content of `file`.
  void Write(const std::string& file, const std::string& content) const;

 private:
  std::string dir_;
};

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_TEMP_DATASET_H_
