#include "server/rpc/call_log.h"

#include <cstdio>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "server/core/base/errors.h"

namespace indicators::rpc {
namespace {

constexpr size_t kMaxLoggedMessage = 300;

// Returns `text` with control bytes as \xNN.
std::string OneLine(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", byte);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Admits up to `kMaxFailureLinesPerSecond` lines a second.
class RateLimit {
 public:
  // Returns whether a line may be written now; sets `suppressed` to the
  // number of lines refused since the last one admitted.
  bool Admit(int64_t* suppressed) {
    const int64_t second = absl::ToUnixSeconds(absl::Now());
    absl::MutexLock lock(&mu_);
    if (second != second_) {
      second_ = second;
      lines_ = 0;
    }
    if (lines_ >= kMaxFailureLinesPerSecond) {
      ++suppressed_;
      return false;
    }
    ++lines_;
    *suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

 private:
  absl::Mutex mu_;
  int64_t second_ ABSL_GUARDED_BY(mu_) = 0;
  int lines_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t suppressed_ ABSL_GUARDED_BY(mu_) = 0;
};

// Admits one line a second for each subject refused under its quota, so
// that one caller over its limit is one line a second, not one a call.
class QuotaLines {
 public:
  bool Admit(const std::string& subject) {
    const int64_t second = absl::ToUnixSeconds(absl::Now());
    absl::MutexLock lock(&mu_);
    if (second != second_) {
      second_ = second;
      logged_.clear();
    }
    return logged_.insert(subject).second;
  }

 private:
  absl::Mutex mu_;
  int64_t second_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_set<std::string> logged_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

void LogFailedCall(absl::string_view method, const absl::Status& status,
                   absl::Duration duration) {
  static RateLimit* const limit = new RateLimit();
  static QuotaLines* const quota_lines = new QuotaLines();
  if (std::optional<QuotaDetail> quota = GetQuotaDetail(status);
      quota && !quota_lines->Admit(quota->subject)) {
    return;  // Counted in indicators_refused_calls_total.
  }
  int64_t suppressed = 0;
  if (!limit->Admit(&suppressed)) return;
  const std::optional<ErrorDetail> detail = GetErrorDetail(status);
  absl::string_view message = status.message();
  const bool cut = message.size() > kMaxLoggedMessage;
  std::string line = absl::StrFormat(
      "indicators-server: call failed: method=%s code=%s reason=%s "
      "duration=%.3fms message=%s%s",
      method, absl::StatusCodeToString(status.code()),
      detail ? detail->reason : "-", absl::ToDoubleMilliseconds(duration),
      OneLine(message.substr(0, kMaxLoggedMessage)), cut ? "..." : "");
  if (suppressed > 0) {
    absl::StrAppend(&line, " (", suppressed,
                    " earlier failed calls not logged: over ",
                    kMaxFailureLinesPerSecond, " a second)");
  }
  line.push_back('\n');
  std::fputs(line.c_str(), stderr);
}

}  // namespace indicators::rpc
