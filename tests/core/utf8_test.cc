#include "server/core/base/utf8.h"

#include <gtest/gtest.h>

#include <string>

#include "server/core/base/errors.h"

namespace indicators {
namespace {

TEST(Utf8Test, AcceptsValidTextOfEveryLength) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ASCII"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9"));             // é, 2 bytes
  EXPECT_TRUE(IsValidUtf8("广东 R&D 4802.6亿元"));  // 3-byte characters
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x93\x88"));     // U+1F4C8, 4 bytes
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));     // U+10FFFF, the last
}

TEST(Utf8Test, FindsTheFirstInvalidByte) {
  struct Case {
    std::string text;
    size_t offset;
  } cases[] = {
      {"ab\xff", 2},            // Never valid.
      {"a\x80", 1},             // A lone continuation byte.
      {"\xe4\xb8", 0},          // Truncated at the end.
      {"\xe4\xb8x", 0},         // Truncated before ASCII.
      {"\xc0\xaf", 0},          // Overlong '/'.
      {"\xe0\x80\xaf", 0},      // Overlong, 3 bytes.
      {"\xed\xa0\x80", 0},      // A UTF-16 surrogate.
      {"\xf4\x90\x80\x80", 0},  // Above U+10FFFF.
      {"ok \xc3\xa9 \xc3", 6},  // After valid characters.
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FirstInvalidUtf8(c.text), c.offset) << c.text;
    EXPECT_FALSE(IsValidUtf8(c.text)) << c.text;
  }
}

TEST(Utf8Test, PrefixEndsOnACharacterBoundary) {
  const std::string text = "ab\xe4\xb8\x9c";  // "ab" + a 3-byte character.
  EXPECT_EQ(Utf8Prefix(text, 4), "ab");
  EXPECT_EQ(Utf8Prefix(text, 5), text);
  EXPECT_EQ(Utf8Prefix(text, 100), text);
  EXPECT_EQ(Utf8Prefix("\xff\xff", 1), "\xff");  // Invalid bytes: one each.
}

TEST(QuotedTest, CutsLongValuesAndGivesTheirLength) {
  EXPECT_EQ(Quoted("CN-GD"), "\"CN-GD\"");
  const std::string exact(kMaxQuotedBytes, 'x');
  EXPECT_EQ(Quoted(exact), "\"" + exact + "\"");
  const std::string long_value(60 * 1024, 'y');
  EXPECT_EQ(Quoted(long_value),
            "\"" + std::string(kMaxQuotedBytes, 'y') + "...\" (61440 bytes)");
  // A multi-byte character is never split.
  const std::string wide =
      std::string(kMaxQuotedBytes - 1, 'z') + "\xe4\xb8\x9c";
  EXPECT_EQ(Quoted(wide),
            "\"" + std::string(kMaxQuotedBytes - 1, 'z') + "...\" (66 bytes)");
}

}  // namespace
}  // namespace indicators
