// Text normalisation shared by both backends: person-name match keys, fuzzy folding, and the
// translation of DICOM wildcards (* ?) into SQL patterns with every SQL metacharacter escaped.
// Private to the index module. Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokuei::index {

// True when s is well-formed UTF-8 without NUL bytes (what both backends can store identically).
bool IsStorableText(std::string_view s);

// Normalises a DICOM PN value: trailing spaces and empty trailing components ('^') and groups
// ('=') removed.
std::string NormalizePersonName(std::string_view pn);

// Keys for equality and wildcard matching of a person name (ASCII case-insensitive): the whole
// normalised value and each non-empty component group, ASCII-lowercased, deduplicated.
std::vector<std::string> PersonNameMatchKeys(std::string_view pn);

// Folds for fuzzy matching: ASCII lowercased; full-width ASCII (U+FF01..U+FF5E) and the
// ideographic space to ASCII; half-width katakana (with voicing marks) to full-width, then
// katakana to hiragana.
std::string FoldFuzzy(std::string_view s);

// Tokens for fuzzy matching: every name component of every group (split at '=', '^' and
// whitespace), folded, deduplicated.
std::vector<std::string> PersonNameFuzzyTokens(std::string_view pn);

// Words of a fuzzy query (split at whitespace, '^' and '='; wildcard characters dropped), folded.
std::vector<std::string> FuzzyQueryWords(std::string_view query);

// True if pattern contains a DICOM wildcard character.
bool HasWildcard(std::string_view pattern);
// True if the pattern is nothing but '*' (universal match).
bool IsUniversalPattern(std::string_view pattern);

// Literal characters before the first wildcard.
std::string_view LiteralPrefix(std::string_view pattern);

// The smallest string greater than every string that starts with prefix (UTF-8 byte order, which
// is code point order): the last code point incremented. nullopt when there is none (empty prefix,
// or only U+10FFFF).
std::optional<std::string> PrefixUpperBound(std::string_view prefix);

// DICOM wildcard pattern -> SQLite GLOB pattern ('[' escaped as "[[]"; * and ? kept).
std::string ToGlobPattern(std::string_view pattern);
// DICOM wildcard pattern -> SQL LIKE pattern with escape character '!' (% _ ! escaped).
std::string ToLikePattern(std::string_view pattern);

}  // namespace dokuei::index
