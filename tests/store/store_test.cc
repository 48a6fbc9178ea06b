// The store against a real PostgreSQL: migrations, import, export, the
// revision, and the same version whichever way the dataset is read.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <pqxx/pqxx>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/core/load/dataset_loader.h"
#include "server/store/conninfo.h"
#include "server/store/copy_format.h"
#include "server/store/postgres_store.h"
#include "server/store/revision_follower.h"
#include "server/store/schema.h"
#include "tests/testing/database_test.h"
#include "tests/testing/temp_dataset.h"
#include "tests/testing/temp_postgres.h"

namespace indicators::store {
namespace {

using testing::TempDataset;

class StoreTest : public testing::DatabaseTest {
 protected:
  // Migrates and imports `dir`; returns what the import did.
  ImportResult MigrateAndImport(const std::string& dir) {
    auto migrated = Migrate(db_);
    EXPECT_TRUE(migrated.ok()) << migrated.status();
    auto imported = ImportDirectory(db_, dir);
    EXPECT_TRUE(imported.ok()) << imported.status();
    return imported.ok() ? *imported : ImportResult{};
  }
};

TEST_F(StoreTest, MigrateAppliesEachMigrationOnce) {
  auto first = Migrate(db_);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->size(), Migrations().size());
  auto second = Migrate(db_);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->empty());
  EXPECT_EQ(postgres_->Psql(db_, "SELECT count(*) FROM schema_migrations"),
            absl::StrCat(Migrations().size()));
}

TEST_F(StoreTest, LoadingAnUnmigratedDatabaseSaysToMigrate) {
  auto loaded = LoadFromDatabase(db_);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(loaded.status().message().find("indicators-admin migrate"),
            std::string::npos)
      << loaded.status();
}

TEST_F(StoreTest, AnUnreachableDatabaseIsUnavailable) {
  auto loaded = LoadFromDatabase("host=/nonexistent-dir dbname=x");
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kUnavailable)
      << loaded.status();
}

// The same content has the same version from files and from the database.
TEST_F(StoreTest, ImportedDatasetLoadsWithTheDirectorysVersion) {
  auto from_files = LoadDataset(testing::TestDataDir());
  ASSERT_TRUE(from_files.ok());
  const ImportResult imported = MigrateAndImport(testing::TestDataDir());
  EXPECT_TRUE(imported.changed);
  EXPECT_EQ(imported.revision, 1);
  EXPECT_EQ(imported.version, (*from_files)->version());
  auto from_database = LoadFromDatabase(db_);
  ASSERT_TRUE(from_database.ok()) << from_database.status();
  EXPECT_EQ((*from_database)->version(), (*from_files)->version());
  EXPECT_EQ((*from_database)->revision(), 1);
  EXPECT_EQ((*from_database)->observations().size(),
            (*from_files)->observations().size());
}

TEST_F(StoreTest, ImportingTheSameContentAgainChangesNothing) {
  const ImportResult first = MigrateAndImport(testing::TestDataDir());
  // The same rows spelled differently: CRLF line ends.
  TempDataset respelled;
  std::string text = respelled.Read("regions.csv"), crlf;
  for (char c : text)
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  respelled.Write("regions.csv", crlf);
  auto second = ImportDirectory(db_, respelled.dir());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->changed);
  EXPECT_EQ(second->revision, first.revision);
  EXPECT_EQ(StoredRevision(), first.revision);
}

TEST_F(StoreTest, ImportingChangedContentIsOneNewRevision) {
  const ImportResult first = MigrateAndImport(testing::TestDataDir());
  TempDataset changed;
  changed.Write("sources.csv",
                changed.Read("sources.csv") + "ZZ,Pub,T,2024,,news,\n");
  auto second = ImportDirectory(db_, changed.dir());
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->changed);
  EXPECT_EQ(second->revision, first.revision + 1);
  EXPECT_NE(second->version, first.version);
  auto loaded = LoadFromDatabase(db_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->version(), second->version);
}

TEST_F(StoreTest, AnInvalidDirectoryWritesNothing) {
  const ImportResult first = MigrateAndImport(testing::TestDataDir());
  TempDataset broken;
  broken.Write("observations.csv",
               broken.Read("observations.csv") +
                   "rd_expenditure,CN-GD,2023,not-a-number,exact,final,S1,\n");
  auto second = ImportDirectory(db_, broken.dir());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(second.status().message().find("observations.csv"),
            std::string::npos);
  EXPECT_EQ(StoredRevision(), first.revision);
}

TEST_F(StoreTest, ExportRoundTripsToTheSameVersion) {
  const ImportResult imported = MigrateAndImport(testing::TestDataDir());
  TempDataset out;
  auto exported = ExportDirectory(db_, out.dir() + "/export");
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ(exported->version, imported.version);
  EXPECT_EQ(exported->revision, imported.revision);
  auto reloaded = LoadDataset(out.dir() + "/export");
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ((*reloaded)->version(), imported.version);
  auto again = ImportDirectory(db_, out.dir() + "/export");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->changed);
}

// Any writer's transaction raises the revision once, in that transaction.
TEST_F(StoreTest, EveryCommittedTransactionRaisesTheRevisionOnce) {
  const ImportResult imported = MigrateAndImport(testing::TestDataDir());
  int code = 0;
  postgres_->Psql(db_,
                  "BEGIN; UPDATE observations SET note = 'a' WHERE ordinal = 1;"
                  "UPDATE sources SET note = 'b' WHERE ordinal = 1; COMMIT;",
                  &code);
  ASSERT_EQ(code, 0);
  EXPECT_EQ(StoredRevision(), imported.revision + 1);
  postgres_->Psql(db_, "UPDATE regions SET name = 'X' WHERE ordinal = 1",
                  &code);
  ASSERT_EQ(code, 0);
  EXPECT_EQ(StoredRevision(), imported.revision + 2);
  postgres_->Psql(db_,
                  "BEGIN; UPDATE regions SET name = 'Y' WHERE ordinal = 1; "
                  "ROLLBACK;",
                  &code);
  EXPECT_EQ(StoredRevision(), imported.revision + 2);
  auto loaded = LoadFromDatabase(db_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->revision(), imported.revision + 2);
  EXPECT_NE((*loaded)->version(), imported.version);
}

// Content the loader rejects (written behind its back) fails the load with
// the file, line and reason, and is never served.
TEST_F(StoreTest, StoredContentIsCheckedLikeFiles) {
  MigrateAndImport(testing::TestDataDir());
  int code = 0;
  postgres_->Psql(
      db_, "UPDATE observations SET period = '20x3' WHERE ordinal = 2", &code);
  ASSERT_EQ(code, 0);
  auto loaded = LoadFromDatabase(db_);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(loaded.status().message().find("observations.csv:3"),
            std::string::npos)
      << loaded.status();
}

// Records what a follower asked for.
struct FollowerLog {
  absl::Mutex mu;
  std::vector<int64_t> loads ABSL_GUARDED_BY(mu);
  std::vector<bool> stale ABSL_GUARDED_BY(mu);
  // Waits up to `timeout` for a load of `revision`.
  bool AwaitLoad(int64_t revision, absl::Duration timeout) {
    absl::MutexLock lock(&mu);
    auto seen = [&] {
      mu.AssertHeld();
      return std::find(loads.begin(), loads.end(), revision) != loads.end();
    };
    return mu.AwaitWithTimeout(absl::Condition(&seen), timeout);
  }
  RevisionFollower::Callbacks Callbacks() {
    return {[this](int64_t revision) {
              absl::MutexLock lock(&mu);
              loads.push_back(revision);
              return absl::OkStatus();
            },
            [this](std::optional<absl::Time> since) {
              absl::MutexLock lock(&mu);
              stale.push_back(since.has_value());
            }};
  }
};

// A notification brings a change at once, with no poll for a minute.
TEST_F(StoreTest, TheFollowerHearsACommittedChangeAtOnce) {
  const ImportResult imported = MigrateAndImport(testing::TestDataDir());
  FollowerLog log;
  RevisionFollower follower({db_, absl::Minutes(1)}, imported.revision,
                            log.Callbacks());
  absl::SleepFor(absl::Milliseconds(300));  // It has connected and listens.
  postgres_->Psql(db_, "UPDATE sources SET note = 'n' WHERE ordinal = 1");
  EXPECT_TRUE(log.AwaitLoad(imported.revision + 1, absl::Seconds(1)));
}

// A change that sends no notification (here the counter raised by hand) is
// found by the poll.
TEST_F(StoreTest, TheFollowersPollFindsAChangeWithoutANotification) {
  const ImportResult imported = MigrateAndImport(testing::TestDataDir());
  FollowerLog log;
  RevisionFollower follower({db_, absl::Milliseconds(200)}, imported.revision,
                            log.Callbacks());
  postgres_->Psql(db_, "UPDATE dataset_state SET revision = revision + 1");
  EXPECT_TRUE(log.AwaitLoad(imported.revision + 1, absl::Seconds(2)));
}

// A cut connection makes the replica stale until the follower is back.
TEST_F(StoreTest, TheFollowerReportsStaleWhileCutAndCatchesUp) {
  const ImportResult imported = MigrateAndImport(testing::TestDataDir());
  FollowerLog log;
  RevisionFollower::Options options{db_, absl::Minutes(1)};
  options.application_name = "follower under test";
  RevisionFollower follower(options, imported.revision, log.Callbacks());
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(postgres_->Psql(db_,
                            "SELECT count(pg_terminate_backend(pid)) FROM "
                            "pg_stat_activity WHERE application_name = "
                            "'follower under test'"),
            "1");
  postgres_->Psql(db_, "UPDATE sources SET note = 'n' WHERE ordinal = 1");
  EXPECT_TRUE(log.AwaitLoad(imported.revision + 1, absl::Seconds(2)));
  absl::MutexLock lock(&log.mu);
  EXPECT_EQ(log.stale, (std::vector<bool>{true, false}));
}

TEST(ConninfoTest, TimeLimitsAreAddedWhereTheStringSetsNone) {
  EXPECT_EQ(WithTimeLimits("host=/tmp dbname=x connect_timeout=1"),
            "host=/tmp dbname=x connect_timeout=1 keepalives_idle=5 "
            "keepalives_interval=2 keepalives_count=3 tcp_user_timeout=10000");
  EXPECT_EQ(WithTimeLimits("postgresql://db.internal/x"),
            "postgresql://db.internal/x?connect_timeout=5&keepalives_idle=5&"
            "keepalives_interval=2&keepalives_count=3&tcp_user_timeout=10000");
  EXPECT_EQ(WithTimeLimits("postgresql://h/x?sslmode=require&keepalives_idle=9"
                           "&keepalives_interval=1&keepalives_count=1&"
                           "tcp_user_timeout=1&connect_timeout=2"),
            "postgresql://h/x?sslmode=require&keepalives_idle=9"
            "&keepalives_interval=1&keepalives_count=1&tcp_user_timeout=1&"
            "connect_timeout=2");
  EXPECT_EQ(WithTimeLimits("not = a valid 'string"), "not = a valid 'string");
  EXPECT_EQ(DescribeDatabase("host=/tmp/pg user=u password=secret dbname=d"),
            "postgresql:///d?host=/tmp/pg&port=5432");
  EXPECT_EQ(DescribeDatabase("postgresql://u:secret@db.internal:6000/d"),
            "postgresql://db.internal:6000/d");
}

TEST(CopyFormatTest, DecodesEscapesAndNulls) {
  std::vector<std::string> fields;
  ASSERT_TRUE(
      DecodeCopyLine("a\\tb\tc\\\\d\\n\t\\N\t\\101\\x42", &fields).ok());
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0], "a\tb");
  EXPECT_EQ(fields[1], "c\\d\n");
  EXPECT_EQ(fields[2], "");
  EXPECT_EQ(fields[3], "AB");
  EXPECT_FALSE(DecodeCopyLine("trailing\\", &fields).ok());
}

}  // namespace
}  // namespace indicators::store
