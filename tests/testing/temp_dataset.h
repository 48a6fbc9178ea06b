#ifndef INDICATORS_TESTS_TESTING_TEMP_DATASET_H_
#define INDICATORS_TESTS_TESTING_TEMP_DATASET_H_

#include <string>

namespace indicators::testing {

// Returns the directory of a frozen test dataset under `tests/testdata/`:
// "basic" (the default) is a realistic multi-source dataset; the others are
// small datasets built to make one rule observable (see their README.md).
std::string TestDataDir(const std::string& name = "basic");

// Returns the directory of the dataset bundled with the project (`data/`).
// Only the test of the bundled data itself reads it.
std::string BundledDataDir();

// A dataset directory in a fresh temporary folder, removed on destruction.
// Starts as a copy of `from` (a test dataset); tests then rewrite files.
class TempDataset {
 public:
  explicit TempDataset(const std::string& from = TestDataDir());
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
