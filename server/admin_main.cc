// indicators-admin: manages the dataset stored in PostgreSQL.
//
//   indicators-admin --database=CONNINFO migrate      apply schema migrations
//   indicators-admin --database=CONNINFO import DIR   store a CSV directory
//   indicators-admin --database=CONNINFO export DIR   write the stored dataset
//   indicators-admin --database=CONNINFO revision     print revision, version
//
// Exits 0 on success, 1 with the reason on stderr otherwise.

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_join.h"
#include "common/own_flags_help.h"
#include "server/store/postgres_store.h"
#include "server/store/schema.h"

ABSL_FLAG(std::string, database, "",
          "The database: a libpq connection string or URI, such as "
          "\"host=/run/postgresql dbname=indicators\".");

namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "indicators-admin: %s\n", status.ToString().c_str());
  return 1;
}

int Usage() {
  std::fprintf(stderr, "%s\n",
               std::string(absl::ProgramUsageMessage()).c_str());
  return 2;
}

void PrintResult(const char* what, const indicators::store::ImportResult& r,
                 const std::string& database) {
  std::printf("%s %s revision %lld, dataset version %s\n", what,
              database.c_str(), static_cast<long long>(r.revision),
              r.version.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  indicators::ListOwnFlagsInHelp(__FILE__);
  absl::SetProgramUsageMessage(
      "Manages the indicator dataset stored in PostgreSQL.\n"
      "Usage: indicators-admin --database=CONNINFO migrate | import DIR | "
      "export DIR | revision");
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string database = absl::GetFlag(FLAGS_database);
  if (database.empty() || args.size() < 2) return Usage();
  const std::string command = args[1];
  const std::string described = indicators::store::DescribeDatabase(database);

  if (command == "migrate" && args.size() == 2) {
    auto applied = indicators::store::Migrate(database);
    if (!applied.ok()) return Fail(applied.status());
    std::printf("migrate: %s %s\n", described.c_str(),
                applied->empty()
                    ? "schema already current"
                    : ("applied " + absl::StrJoin(*applied, ", ")).c_str());
    return 0;
  }
  if (command == "import" && args.size() == 3) {
    auto result = indicators::store::ImportDirectory(database, args[2]);
    if (!result.ok()) return Fail(result.status());
    PrintResult(result->changed ? "import: stored in" : "import: unchanged in",
                *result, described);
    return 0;
  }
  if (command == "export" && args.size() == 3) {
    auto result = indicators::store::ExportDirectory(database, args[2]);
    if (!result.ok()) return Fail(result.status());
    PrintResult("export: wrote", *result, described);
    return 0;
  }
  if (command == "revision" && args.size() == 2) {
    auto dataset = indicators::store::LoadFromDatabase(database);
    if (!dataset.ok()) return Fail(dataset.status());
    PrintResult(
        "revision:", {false, (*dataset)->revision(), (*dataset)->version()},
        described);
    return 0;
  }
  return Usage();
}
