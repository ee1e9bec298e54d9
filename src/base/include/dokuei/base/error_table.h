// The one error table: each Code maps to an HTTP status, a default DIMSE failure status, a stable
// machine name (used as the problem "type" suffix and in the OpenAPI document) and a title in
// Japanese and English. Services with a more specific DIMSE status (C-FIND vs C-STORE) may override
// the default at the edge, but start from here.
// Thread safety: immutable data.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "dokuei/base/status.h"

namespace dokuei::base {

struct ErrorInfo {
  Code code;
  std::string_view name;      // "invalid-argument"
  int http_status;            // 400
  uint16_t dimse_status;      // 0xC000
  std::string_view title_ja;  // 入力が不正です
  std::string_view title_en;  // Invalid input
};

const ErrorInfo& GetErrorInfo(Code code);
std::span<const ErrorInfo> AllErrors();

// Title in the requested language ("ja" default, "en").
std::string_view ErrorTitle(Code code, std::string_view lang);

}  // namespace dokuei::base
