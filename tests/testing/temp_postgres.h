#ifndef INDICATORS_TESTS_TESTING_TEMP_POSTGRES_H_
#define INDICATORS_TESTS_TESTING_TEMP_POSTGRES_H_

#include <string>

namespace indicators::testing {

// A PostgreSQL 15 cluster of the test's own in a temporary directory,
// listening only on a Unix socket there (fsync off). As root, `initdb` and the
// server run as the `postgres` user, which `initdb` requires. The destructor
// stops the server and removes the directory.
class TempPostgres {
 public:
  TempPostgres();
  ~TempPostgres();
  TempPostgres(const TempPostgres&) = delete;
  TempPostgres& operator=(const TempPostgres&) = delete;

  // Whether the cluster started; `error` says why not.
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // Creates a new empty database and returns its libpq connection string.
  std::string CreateDatabase();

  // Runs `sql` with psql on the database of `conninfo`; returns its output
  // (unaligned, tuples only) and sets `exit_code` if given.
  std::string Psql(const std::string& conninfo, const std::string& sql,
                   int* exit_code = nullptr) const;

  // Stops the server (fast shutdown: connections are cut) and starts it
  // again; returns false on failure.
  bool Stop();
  bool Start();

  // Stops every process of the server (SIGSTOP to the postmaster and its
  // children: connections stay open but nothing answers), and lets them go on
  // (SIGCONT); returns false if the server's processes cannot be found.
  bool Freeze();
  bool Thaw();

 private:
  // Sends `signal` to the postmaster and every process it started.
  bool SignalAll(int signal);

  std::string dir_;
  std::string error_;
  int databases_ = 0;
};

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_TEMP_POSTGRES_H_
