// Small string helpers shared by every module.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokuei::base {

std::vector<std::string_view> Split(std::string_view s, char sep);
std::string_view Trim(std::string_view s);
std::string ToLowerAscii(std::string_view s);
std::string ToUpperAscii(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::optional<int64_t> ParseInt(std::string_view s);
std::optional<uint64_t> ParseUint(std::string_view s);
std::string HexEncode(std::string_view bytes);
// True for a syntactically valid DICOM UID: 1..64 chars of digits and dots, no empty component,
// no leading zero in a multi-digit component. Rejects anything path-like.
bool IsValidUid(std::string_view uid);
// JSON string escaping (without surrounding quotes), valid UTF-8 assumed.
void AppendJsonEscaped(std::string& out, std::string_view s);
// True if s is a number in RFC 8259 grammar (no leading '+', no leading zeros, digits after '.').
bool IsJsonNumber(std::string_view s);

}  // namespace dokuei::base
