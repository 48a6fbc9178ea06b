#ifndef INDICATORS_TESTS_TESTING_PAGES_H_
#define INDICATORS_TESTS_TESTING_PAGES_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "server/core/service_core.h"

namespace indicators::testing {

// Follows a core list or query from its first page to its last with
// `page_size`: `call(PageRequest)` answers one page. Returns the items of
// every page in order; an error (or a page larger than `page_size`) adds a
// failure, and an error or 1000 pages stop it.
template <typename Call>
std::vector<uint32_t> AllItems(int32_t page_size, Call call) {
  std::vector<uint32_t> items;
  PageRequest page{page_size, ""};
  for (int pages = 0; pages < 1000; ++pages) {
    auto result = call(page);
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) break;
    EXPECT_LE(result->items.size(), static_cast<size_t>(page_size));
    items.insert(items.end(), result->items.begin(), result->items.end());
    if (result->next_page_token.empty()) break;
    page.page_token = result->next_page_token;
  }
  return items;
}

}  // namespace indicators::testing

#endif  // INDICATORS_TESTS_TESTING_PAGES_H_
