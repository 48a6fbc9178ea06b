#include "server/core/analysis/catalog_search.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/core/base/errors.h"

namespace indicators {
namespace {

// Words of a text: runs of letters, digits, '&' and non-ASCII bytes (so a
// Chinese name is one word), lowercased unless `as_typed`.
std::vector<std::string> Words(absl::string_view text, bool as_typed = false) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(u) || c == '&' || u >= 0x80) {
      word.push_back(as_typed ? c : absl::ascii_tolower(u));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

// Words that mean the same in this catalog.
constexpr std::array<std::array<absl::string_view, 3>, 3> kSynonyms = {{
    {"r&d", "rd", "research"},
    {"patents", "patent", ""},
    {"pct", "international", ""},
}};

std::vector<std::string> Variants(const std::string& word) {
  std::vector<std::string> out = {word};
  for (const auto& group : kSynonyms) {
    if (std::find(group.begin(), group.end(), word) == group.end()) continue;
    for (absl::string_view s : group) {
      if (!s.empty() && s != word) out.emplace_back(s);
    }
  }
  return out;
}

// Damerau-Levenshtein distance (adjacent transpositions), capped at 3:
// three rolling rows on the stack, since words are short.
int EditDistance(absl::string_view a, absl::string_view b) {
  constexpr size_t kLongest = 63;
  if (a.size() > b.size() + 2 || b.size() > a.size() + 2 ||
      b.size() > kLongest) {
    return 3;
  }
  std::array<int, kLongest + 1> before{}, previous{}, current{};
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min(
          {previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    before = previous;
    previous = current;
  }
  return std::min(previous[b.size()], 3);
}

// How well query word `q` matches entry word `w`: 1, 0.8, 0.6 or 0.
double WordMatch(const std::string& q, const std::string& w) {
  if (q == w) return 1;
  if (q.size() >= 3 && absl::StartsWith(w, q)) return 0.8;
  const size_t allowed = q.size() >= 8 ? 2 : q.size() >= 4 ? 1 : 0;
  if (allowed > 0 && static_cast<size_t>(EditDistance(q, w)) <= allowed) {
    return 0.6;
  }
  return 0;
}

struct Field {
  std::vector<std::string> words;
  double weight;
};

// Scores one entry's fields against the query's words (lowercased; `typed`
// as the caller wrote them, in the same order); fills `matched` with the
// typed words that matched.
double Score(const std::vector<std::string>& query,
             const std::vector<std::string>& typed,
             const std::vector<Field>& fields,
             std::vector<std::string>* matched) {
  double total = 0;
  size_t hits = 0;
  for (size_t k = 0; k < query.size(); ++k) {
    const std::string& q = query[k];
    double best = 0;
    for (const std::string& variant : Variants(q)) {
      for (const Field& f : fields) {
        for (const std::string& w : f.words) {
          best = std::max(best, WordMatch(variant, w) * f.weight);
        }
      }
    }
    if (best > 0) {
      total += best;
      ++hits;
      matched->push_back(typed[k]);
    }
  }
  if (hits == query.size() && query.size() > 1) total *= 1.5;
  return total;
}

}  // namespace

absl::StatusOr<std::vector<SearchHit>> SearchCatalog(const Dataset& d,
                                                     absl::string_view query,
                                                     int32_t max_results,
                                                     bool include_derived) {
  if (max_results < 0) {
    return InvalidField(reason::kInvalidPageSize, "max_results",
                        absl::StrCat(max_results, " is negative"));
  }
  if (query.size() > kMaxSearchQueryBytes) {
    return InvalidField(reason::kInvalidRequest, "query",
                        absl::StrCat("is ", query.size(), " bytes; at most ",
                                     kMaxSearchQueryBytes));
  }
  const std::vector<std::string> words = Words(query);
  const std::vector<std::string> typed = Words(query, /*as_typed=*/true);
  if (words.empty()) {
    return InvalidField(reason::kMissingField, "query",
                        "has no words to search for");
  }
  const size_t limit = max_results == 0
                           ? kDefaultSearchResults
                           : std::min(max_results, kMaxSearchResults);
  std::vector<SearchHit> hits;
  auto consider = [&](CatalogKind kind, uint32_t index,
                      const std::vector<Field>& fields) {
    SearchHit hit{kind, index, 0, {}};
    hit.score = Score(words, typed, fields, &hit.matched_terms);
    if (hit.score > 0) hits.push_back(std::move(hit));
  };
  const uint32_t indicators = include_derived
                                  ? static_cast<uint32_t>(d.indicators().size())
                                  : d.published_indicator_count();
  for (uint32_t i = 0; i < indicators; ++i) {
    const Indicator& x = d.indicators()[i];
    consider(CatalogKind::kIndicator, i,
             {{Words(x.id), 3}, {Words(x.name), 3}, {Words(x.description), 1}});
  }
  for (uint32_t i = 0; i < d.regions().size(); ++i) {
    const Region& x = d.regions()[i];
    std::vector<std::string> code = Words(x.code);
    code.push_back(absl::AsciiStrToLower(x.code));
    consider(CatalogKind::kRegion, i, {{code, 3}, {Words(x.name), 3}});
  }
  for (uint32_t i = 0; i < d.sources().size(); ++i) {
    const Source& x = d.sources()[i];
    consider(CatalogKind::kSource, i,
             {{{absl::AsciiStrToLower(x.id)}, 3},
              {Words(x.publisher), 1},
              {Words(x.title), 1}});
  }
  std::stable_sort(
      hits.begin(), hits.end(),
      [](const SearchHit& a, const SearchHit& b) { return a.score > b.score; });
  if (hits.size() > limit) hits.resize(limit);
  return hits;
}

}  // namespace indicators
