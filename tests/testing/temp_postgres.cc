#include "tests/testing/temp_postgres.h"

#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "tests/testing/subprocess.h"

namespace indicators::testing {
namespace {

constexpr const char kBin[] = "/usr/lib/postgresql/15/bin/";

// Prefixes `argv` to run as the `postgres` user when this process is root.
std::vector<std::string> AsClusterOwner(std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  return argv;
}

}  // namespace

TempPostgres::TempPostgres() {
  char pattern[] = "/tmp/indicators-pg-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    error_ = "mkdtemp failed";
    return;
  }
  dir_ = pattern;
  if (geteuid() == 0) {
    const passwd* owner = getpwnam("postgres");
    if (owner == nullptr ||
        chown(dir_.c_str(), owner->pw_uid, owner->pw_gid) != 0) {
      error_ = "no postgres user to own the cluster: install postgresql-15";
      return;
    }
  }
  std::string output;
  if (RunCommand(
          AsClusterOwner({absl::StrCat(kBin, "initdb"), "-D", dir_ + "/data",
                          "-A", "trust", "-U", "postgres", "--no-sync", "-E",
                          "UTF8", "--locale=C"}),
          &output) != 0) {
    error_ = "initdb failed: " + output;
    return;
  }
  if (!Start()) return;
}

TempPostgres::~TempPostgres() {
  if (dir_.empty()) return;
  std::string output;
  RunCommand(AsClusterOwner({absl::StrCat(kBin, "pg_ctl"), "-D", dir_ + "/data",
                             "-m", "immediate", "stop"}),
             &output);
  RunCommand({"rm", "-rf", dir_}, &output);
}

bool TempPostgres::Start() {
  std::string output;
  if (RunCommand(
          AsClusterOwner({absl::StrCat(kBin, "pg_ctl"), "-D", dir_ + "/data",
                          "-l", dir_ + "/log", "-w", "-t", "60", "-o",
                          absl::StrCat("-c listen_addresses='' -k ", dir_,
                                       " -c fsync=off -c max_connections=200"),
                          "start"}),
          &output) != 0) {
    error_ = "pg_ctl start failed: " + output;
    return false;
  }
  return true;
}

bool TempPostgres::Stop() {
  std::string output;
  return RunCommand(
             AsClusterOwner({absl::StrCat(kBin, "pg_ctl"), "-D", dir_ + "/data",
                             "-m", "fast", "-w", "stop"}),
             &output) == 0;
}

bool TempPostgres::SignalAll(int signal) {
  std::ifstream pid_file(dir_ + "/data/postmaster.pid");
  pid_t postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) return false;
  std::vector<pid_t> pids = {postmaster};
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // pid (comm) state ppid ...: the name may hold spaces, so read after ')'.
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    std::string state;
    pid_t parent = 0;
    if (rest >> state >> parent && parent == postmaster) {
      pids.push_back(static_cast<pid_t>(std::stol(entry.path().filename())));
    }
  }
  bool all = true;
  for (pid_t pid : pids) all = kill(pid, signal) == 0 && all;
  return all;
}

bool TempPostgres::Freeze() { return SignalAll(SIGSTOP); }

bool TempPostgres::Thaw() { return SignalAll(SIGCONT); }

std::string TempPostgres::CreateDatabase() {
  const std::string name = absl::StrCat("indicators_", ++databases_);
  Psql(absl::StrCat("host=", dir_, " user=postgres dbname=postgres"),
       absl::StrCat("CREATE DATABASE ", name));
  return absl::StrCat("host=", dir_, " user=postgres dbname=", name);
}

std::string TempPostgres::Psql(const std::string& conninfo,
                               const std::string& sql, int* exit_code) const {
  std::string output;
  const int code = RunCommand({"psql", "-X", "-q", "-A", "-t", "-v",
                               "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql},
                              &output);
  if (exit_code != nullptr) *exit_code = code;
  return std::string(absl::StripTrailingAsciiWhitespace(output));
}

}  // namespace indicators::testing
