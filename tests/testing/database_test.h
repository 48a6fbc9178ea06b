#ifndef INDICATORS_TESTS_TESTING_DATABASE_TEST_H_
#define INDICATORS_TESTS_TESTING_DATABASE_TEST_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "tests/testing/temp_postgres.h"

namespace indicators::testing {

// A fixture with a PostgreSQL cluster of its own for each test suite, and a
// new empty database for each test (`db_`, a libpq connection string).
class DatabaseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { postgres_ = new TempPostgres(); }
  static void TearDownTestSuite() {
    delete postgres_;
    postgres_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(postgres_->ok()) << postgres_->error();
    db_ = postgres_->CreateDatabase();
  }

  // Runs `sql` on the test's database; returns psql's output.
  std::string Sql(const std::string& sql) const {
    return postgres_->Psql(db_, sql);
  }
  // Returns the stored dataset's revision (-1, with a failure, if none).
  int64_t StoredRevision() const {
    int64_t revision = -1;
    EXPECT_TRUE(
        absl::SimpleAtoi(Sql("SELECT revision FROM dataset_state"), &revision));
    return revision;
  }

  static inline TempPostgres* postgres_ = nullptr;
  std::string db_;
};

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_DATABASE_TEST_H_
