// Change records in a real PostgreSQL (migration 0003): every transaction
// that changes the observations records what it changed under its own
// revision, whoever wrote it; and the oracle: the version a replica builds by
// applying the records to the one it serves equals a whole load of the same
// revision, after every step of a long randomized sequence of ingests, plain
// SQL edits, imports and catalog changes.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "server/core/change/apply_changes.h"
#include "server/store/connection_pool.h"
#include "server/store/postgres_changes.h"
#include "server/store/postgres_store.h"
#include "server/store/postgres_writer.h"
#include "server/store/schema.h"
#include "tests/testing/database_test.h"
#include "tests/testing/temp_dataset.h"

namespace indicators::store {
namespace {

class ChangesTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DatabaseTest::SetUp());
    ASSERT_TRUE(Migrate(db_).ok());
    ASSERT_TRUE(ImportDirectory(db_, testing::TestDataDir()).ok());
    pool_ = std::make_shared<const ConnectionPool>(db_, 2);
    connection_ = std::make_unique<pqxx::connection>(db_);
  }
  // Runs `sql` in one transaction.
  void Exec(const std::string& sql) {
    pqxx::work txn(*connection_);
    txn.exec(sql);
    txn.commit();
  }
  std::string Query(const std::string& sql) {
    pqxx::nontransaction txn(*connection_);
    const pqxx::result r = txn.exec(sql);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
  }
  RecordedChanges ChangesAfter(int64_t after, size_t max = 1 << 20) {
    absl::StatusOr<RecordedChanges> changes =
        PostgresChanges(pool_).ChangesAfter(after, max);
    EXPECT_TRUE(changes.ok()) << changes.status();
    return changes.ok() ? *changes : RecordedChanges{};
  }

  std::shared_ptr<const ConnectionPool> pool_;
  std::unique_ptr<pqxx::connection> connection_;
};

std::string Kinds(const RecordedRevision& revision) {
  std::vector<std::string> out;
  for (const RecordedChange& c : revision.changes) {
    out.push_back(absl::StrCat(c.kind == ChangeKind::kAdded     ? "added"
                               : c.kind == ChangeKind::kRevised ? "revised"
                                                                : "withdrawn",
                               " ", c.record.period, " ", c.record.value));
  }
  return absl::StrJoin(out, ", ");
}

TEST_F(ChangesTest, EachWriterRecordsWhatItChangedUnderItsOwnRevision) {
  const int64_t start = StoredRevision();
  // An ingest: a revised figure and a new one, one revision.
  IngestBatch batch;
  batch.observations = {{"rd_expenditure",
                         "CN-GD",
                         "2023",
                         "481.5",
                         "exact",
                         "final",
                         {"S13"},
                         "revised"},
                        {"rd_expenditure",
                         "CN-GD",
                         "2031",
                         "600",
                         "about",
                         "estimate",
                         {"S13"},
                         "new"}};
  ASSERT_TRUE(PostgresWriter(pool_).Ingest(batch).ok());
  // Plain SQL: a revision, a withdrawal, a statement that changes nothing
  // and one that moves a figure to another period.
  Exec(
      "UPDATE observations SET value = 482 WHERE indicator_id = "
      "'rd_expenditure' AND region_code = 'CN-GD' AND period = '2031'");
  Exec(
      "DELETE FROM observations WHERE indicator_id = 'rd_expenditure' AND "
      "region_code = 'CN-GD' AND period = '2031'");
  Exec("DELETE FROM observations WHERE period = '1066'");
  Exec(
      "UPDATE observations SET period = '2040' WHERE indicator_id = "
      "'rd_expenditure' AND region_code = 'CN-GD' AND period = '2023' AND "
      "source_ids = ARRAY['S13']");

  RecordedChanges changes = ChangesAfter(start);
  EXPECT_TRUE(changes.load_whole.empty()) << changes.load_whole;
  EXPECT_EQ(changes.head, start + 4);  // The empty DELETE raised nothing.
  ASSERT_EQ(changes.revisions.size(), 4u);
  EXPECT_EQ(changes.revisions[0].revision, start + 1);
  EXPECT_EQ(Kinds(changes.revisions[0]), "revised 2023 481.5, added 2031 600");
  EXPECT_EQ(Kinds(changes.revisions[1]), "revised 2031 482");
  EXPECT_EQ(Kinds(changes.revisions[2]), "withdrawn 2031 482");
  EXPECT_EQ(Kinds(changes.revisions[3]),
            "withdrawn 2023 481.5, added 2040 481.5");
  EXPECT_EQ(changes.revisions[1].changes[0].record.note, "new");
  EXPECT_EQ(Query(absl::StrCat("SELECT previous_value FROM "
                               "observation_changes WHERE revision = ",
                               start + 2)),
            "600");
  // Only the revisions asked for; none after the head.
  EXPECT_EQ(ChangesAfter(start + 3).revisions.size(), 1u);
  EXPECT_TRUE(ChangesAfter(start + 4).revisions.empty());
  // More changes than asked for: load whole.
  EXPECT_FALSE(ChangesAfter(start, 2).load_whole.empty());
}

TEST_F(ChangesTest, CatalogChangesAreWholeAndRetentionCompacts) {
  const int64_t start = StoredRevision();
  Exec("UPDATE sources SET note = 'changed' WHERE source_id = 'S13'");
  RecordedChanges changes = ChangesAfter(start);
  EXPECT_NE(changes.load_whole, "");
  EXPECT_EQ(changes.recorded_since, start + 1);
  EXPECT_TRUE(changes.revisions.empty());
  EXPECT_TRUE(ChangesAfter(start + 1).load_whole.empty());

  Exec("UPDATE dataset_state SET change_retention = 3");
  for (int i = 0; i < 5; ++i) {
    Exec(
        absl::StrCat("UPDATE observations SET value = value + 1 WHERE "
                     "ordinal = (SELECT min(ordinal) FROM observations)"));
  }
  const int64_t head = StoredRevision();
  EXPECT_EQ(head, start + 6);
  changes = ChangesAfter(head - 4);
  EXPECT_NE(changes.load_whole, "") << "compacted revisions are not served";
  EXPECT_EQ(changes.recorded_since, head - 3);
  EXPECT_EQ(ChangesAfter(head - 3).revisions.size(), 3u);
  EXPECT_EQ(Query(absl::StrCat("SELECT count(*) FROM observation_changes "
                               "WHERE revision <= ",
                               head - 3)),
            "0");
}

// An import records its difference: a directory that revises one value is
// a one-row revision; one whose catalog differs is whole.
TEST_F(ChangesTest, AnImportRecordsItsDifference) {
  const int64_t start = StoredRevision();
  testing::TempDataset edited;
  std::string observations = edited.Read("observations.csv");
  const std::string row = "rd_expenditure,CN-GD,2023,480.26,";
  const size_t at = observations.find(row);
  ASSERT_NE(at, std::string::npos);
  observations.replace(at, row.size(), "rd_expenditure,CN-GD,2023,480.5,");
  edited.Write("observations.csv", observations);
  absl::StatusOr<ImportResult> imported = ImportDirectory(db_, edited.dir());
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_TRUE(imported->changed);
  RecordedChanges changes = ChangesAfter(start);
  EXPECT_EQ(changes.load_whole, "");
  ASSERT_EQ(changes.revisions.size(), 1u);
  EXPECT_EQ(Kinds(changes.revisions[0]), "revised 2023 480.5");
  EXPECT_EQ(LoadFromDatabase(db_).value()->version(), imported->version);

  edited.Write("sources.csv",
               absl::StrReplaceAll(edited.Read("sources.csv"),
                                   {{",official_mirror,", ",official,"}}));
  imported = ImportDirectory(db_, edited.dir());
  ASSERT_TRUE(imported.ok()) << imported.status();
  EXPECT_NE(ChangesAfter(start + 1).load_whole, "");
  EXPECT_EQ(LoadFromDatabase(db_).value()->version(), imported->version);
}

// The oracle. A replica that applies each step's records to the version it
// built at the step before serves what a whole load of the store serves,
// step after step; where a whole load fails (a duplicate, a bad period), the
// apply fails too, and both serve the last good version.
TEST_F(ChangesTest, AppliedChangesEqualAWholeLoadAfterEveryStep) {
  absl::StatusOr<std::shared_ptr<const Dataset>> loaded = LoadFromDatabase(db_);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  std::shared_ptr<const Dataset> served = *loaded;
  std::mt19937 random(20261203);
  auto pick = [&](int n) {
    return static_cast<int>(
        std::uniform_int_distribution<int>(0, n - 1)(random));
  };
  auto ordinal = [&]() {
    const std::vector<std::string> ordinals = absl::StrSplit(
        Query("SELECT string_agg(ordinal::text, ',' ORDER BY ordinal) FROM "
              "observations"),
        ',');
    return ordinals[pick(static_cast<int>(ordinals.size()))];
  };
  const std::string copy_row =
      "INSERT INTO observations (ordinal, indicator_id, region_code, period, "
      "value, qualifier, status, source_ids, note) SELECT ";
  int applied = 0, whole = 0, rejected = 0;
  for (int step = 0; step < 160; ++step) {
    const std::string x = ordinal();
    const std::string year = absl::StrCat(1800 + step);
    bool whole_step = false;
    switch (pick(13)) {
      case 0:
        Exec(
            "UPDATE observations SET value = value * 1.1 + 1 WHERE "
            "ordinal = " +
            x);
        break;
      case 1:
        Exec(
            absl::StrCat("UPDATE observations SET status = 'estimate', "
                         "qualifier = 'about', note = 'step ",
                         step, "' WHERE ordinal = ", x));
        break;
      case 2:
        Exec("DELETE FROM observations WHERE ordinal = " + x);
        break;
      case 3:  // A new figure at the end of the store's order.
        Exec(copy_row +
             "(SELECT max(ordinal) + 1 FROM observations), "
             "indicator_id, region_code, '" +
             year +
             "', value + 1, "
             "qualifier, status, source_ids, note FROM observations WHERE "
             "ordinal = " +
             x);
        break;
      case 4:  // A new figure of the same period as another, first in order.
        Exec(copy_row +
             "(SELECT min(ordinal) - 1 FROM observations), "
             "indicator_id, region_code, period, value, qualifier, status, "
             "ARRAY['S1'], '' FROM observations WHERE ordinal = " +
             x + " AND NOT source_ids = ARRAY['S1']");
        break;
      case 5:  // A row moved first in the store's order.
        Exec(
            "UPDATE observations SET ordinal = (SELECT min(ordinal) - 1 "
            "FROM observations) WHERE ordinal = " +
            x);
        break;
      case 6:  // A row moved to another figure.
        Exec("UPDATE observations SET period = '" + year +
             "' WHERE ordinal = " + x);
        break;
      case 7:  // One transaction: withdraw, add it back revised, revise more.
        Exec("DELETE FROM observations WHERE ordinal = " + x + "; " + copy_row +
             "(SELECT max(ordinal) + 1 FROM observations), "
             "indicator_id, region_code, period, value + 7, qualifier, "
             "status, source_ids, 'again' FROM observation_changes WHERE "
             "revision = (SELECT revision FROM dataset_state) ORDER BY seq "
             "DESC LIMIT 1; UPDATE observations SET value = value + 2 WHERE "
             "ordinal = " +
             ordinal());
        break;
      case 8: {  // An ingest revising one figure and adding another.
        const std::vector<std::string> f = absl::StrSplit(
            Query("SELECT concat_ws('|', indicator_id, region_code, period, "
                  "array_to_string(source_ids, ';')) FROM observations WHERE "
                  "ordinal = " +
                  x),
            '|');
        IngestBatch batch;
        std::vector<std::string> sources = absl::StrSplit(f[3], ';');
        batch.observations = {
            {f[0], f[1], f[2], absl::StrCat(step), "exact", "final", sources,
             "ingested"},
            {f[0], f[1], year, "1", "exact", "preliminary", sources, ""}};
        EXPECT_TRUE(PostgresWriter(pool_).Ingest(batch).ok());
        break;
      }
      case 9:  // A duplicate: no load accepts it until a later step.
        Exec(copy_row +
             "(SELECT max(ordinal) + 1 FROM observations), "
             "indicator_id, region_code, period, value, qualifier, status, "
             "source_ids, note FROM observations WHERE ordinal = " +
             x);
        Exec(
            "DELETE FROM observations WHERE ordinal = (SELECT max(ordinal) "
            "FROM observations)");
        if (pick(2) == 0) {
          Exec(copy_row +
               "(SELECT max(ordinal) + 1 FROM observations), "
               "indicator_id, region_code, period, value, qualifier, status, "
               "source_ids, note FROM observations WHERE ordinal = " +
               x);
        }
        break;
      case 10:  // Many rows in one statement.
        Exec(
            "UPDATE observations SET value = value + 1 WHERE indicator_id "
            "= (SELECT indicator_id FROM observations WHERE ordinal = " +
            x + ")");
        break;
      case 11:  // An impossible period: every load rejects it.
        Exec("UPDATE observations SET period = '2023-13' WHERE ordinal = " + x);
        Exec("UPDATE observations SET period = '" + year +
             "' WHERE period = '2023-13'");
        break;
      case 12:
        whole_step = true;
        if (pick(2) == 0) {
          ASSERT_TRUE(ImportDirectory(db_, testing::TestDataDir()).ok());
        } else {
          Exec("UPDATE sources SET note = 'step " + year +
               "' WHERE source_id = 'S13'");
        }
        break;
    }
    // Duplicates of step 9 are removed now and then, so loads recover.
    if (step % 7 == 6) {
      Exec(
          "DELETE FROM observations o WHERE EXISTS (SELECT 1 FROM "
          "observations p WHERE p.indicator_id = o.indicator_id AND "
          "p.region_code = o.region_code AND p.period = o.period AND "
          "p.source_ids = o.source_ids AND p.ordinal < o.ordinal)");
    }
    const absl::StatusOr<std::shared_ptr<const Dataset>> full =
        LoadFromDatabase(db_);
    const RecordedChanges changes = ChangesAfter(served->revision());
    SCOPED_TRACE(absl::StrCat("step ", step, ", from revision ",
                              served->revision(), " to ", changes.head));
    if (!changes.load_whole.empty()) {
      EXPECT_TRUE(whole_step || served->revision() < changes.recorded_since)
          << changes.load_whole;
      ++whole;
      if (full.ok()) served = *full;
      continue;
    }
    if (changes.revisions.empty()) continue;
    const absl::StatusOr<std::shared_ptr<const Dataset>> next =
        ApplyRecordedChanges(*served, changes.revisions);
    ASSERT_EQ(next.ok(), full.ok())
        << (next.ok() ? full.status() : next.status());
    if (!full.ok()) {
      ++rejected;
      continue;
    }
    ++applied;
    EXPECT_EQ((*next)->version(), (*full)->version());
    EXPECT_EQ((*next)->revision(), (*full)->revision());
    EXPECT_EQ((*next)->positions(), (*full)->positions());
    ASSERT_EQ((*next)->observations().size(), (*full)->observations().size());
    for (uint32_t row = 0; row < (*full)->observations().size(); ++row) {
      ASSERT_EQ(DescribeRow(**next, row), DescribeRow(**full, row)) << row;
      ASSERT_EQ((*next)->observations()[row].value,
                (*full)->observations()[row].value);
    }
    served = *next;
  }
  // The sequence did each kind of step.
  EXPECT_GT(applied, 80);
  EXPECT_GT(whole, 3);
  EXPECT_GT(rejected, 3);
}

}  // namespace
}  // namespace indicators::store

namespace indicators::store {
namespace {

// Writers take turns at the revision counter: eight of them at once each get
// every batch stored under a revision of its own, recorded whole.
TEST_F(ChangesTest, ConcurrentWritersEachGetARevisionOfTheirOwn) {
  const int64_t start = StoredRevision();
  constexpr int kWriters = 8, kBatches = 15;
  std::vector<std::thread> writers;
  std::vector<absl::Status> failures[kWriters];
  std::vector<int64_t> revisions[kWriters];
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const PostgresWriter writer(pool_);
      for (int k = 0; k < kBatches; ++k) {
        IngestBatch batch;
        batch.observations = {{"rd_expenditure",
                               "CN-GD",
                               absl::StrCat(2100 + w * 100 + k),
                               "1",
                               "exact",
                               "final",
                               {"S13"},
                               ""}};
        absl::StatusOr<IngestResult> result = writer.Ingest(batch);
        if (result.ok()) {
          revisions[w].push_back(result->revision);
        } else {
          failures[w].push_back(result.status());
        }
      }
    });
  }
  for (std::thread& t : writers) t.join();
  std::vector<int64_t> all;
  for (int w = 0; w < kWriters; ++w) {
    for (const absl::Status& s : failures[w]) ADD_FAILURE() << s;
    all.insert(all.end(), revisions[w].begin(), revisions[w].end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), size_t{kWriters * kBatches});
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], start + 1 + i);
  const RecordedChanges changes = ChangesAfter(start);
  ASSERT_EQ(changes.revisions.size(), all.size());
  for (const RecordedRevision& r : changes.revisions) {
    EXPECT_EQ(r.changes.size(), 1u) << r.revision;
  }
}

}  // namespace
}  // namespace indicators::store
