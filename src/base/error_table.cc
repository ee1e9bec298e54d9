#include "dokuei/base/error_table.h"

#include <array>

namespace dokuei::base {
namespace {

// DIMSE statuses: 0xC000 "cannot understand" (generic failure range Cxxx), 0xA700 out of
// resources, 0x0122 SOP class not supported, 0x0124 refused: not authorized, 0x0110 processing
// failure, 0xA900 data set does not match SOP class, 0xC409 (Cxxx range, ours) conflict.
constexpr std::array<ErrorInfo, 18> kErrors = {{
    {Code::kOk, "ok", 200, 0x0000, "成功", "Success"},
    {Code::kInvalidArgument, "invalid-argument", 400, 0xC000, "入力が不正です", "Invalid input"},
    {Code::kNotFound, "not-found", 404, 0xC000, "見つかりません", "Not found"},
    {Code::kAlreadyExists, "already-exists", 409, 0xC409, "すでに存在します", "Already exists"},
    {Code::kConflict, "conflict", 409, 0xC409, "既存のデータと矛盾します",
     "Conflicts with existing data"},
    {Code::kFailedPrecondition, "failed-precondition", 409, 0xC000, "現在の状態では実行できません",
     "Not allowed in the current state"},
    {Code::kUnauthenticated, "unauthenticated", 401, 0x0124, "認証が必要です",
     "Authentication required"},
    {Code::kPermissionDenied, "permission-denied", 403, 0x0124, "権限がありません",
     "Permission denied"},
    {Code::kResourceExhausted, "resource-exhausted", 507, 0xA700, "保存領域が不足しています",
     "Out of storage resources"},
    {Code::kPayloadTooLarge, "payload-too-large", 413, 0xA700, "データが大きすぎます",
     "Payload too large"},
    {Code::kUnsupported, "unsupported", 415, 0x0122, "対応していない形式です",
     "Unsupported format"},
    {Code::kNotAcceptable, "not-acceptable", 406, 0xC000, "要求された形式では応答できません",
     "Not acceptable"},
    {Code::kTooManyRequests, "too-many-requests", 429, 0xA700, "要求が多すぎます",
     "Too many requests"},
    {Code::kUnavailable, "unavailable", 503, 0xA700, "一時的に利用できません",
     "Temporarily unavailable"},
    {Code::kTimeout, "timeout", 504, 0xA700, "時間内に完了しませんでした", "Timed out"},
    {Code::kCancelled, "cancelled", 499, 0xFE00, "取り消されました", "Cancelled"},
    {Code::kDataLoss, "data-loss", 500, 0x0110, "保存データが破損しています",
     "Stored data is damaged"},
    {Code::kInternal, "internal", 500, 0x0110, "内部エラーが発生しました", "Internal error"},
}};

}  // namespace

const ErrorInfo& GetErrorInfo(Code code) {
  for (const auto& e : kErrors) {
    if (e.code == code) return e;
  }
  return kErrors.back();
}

std::span<const ErrorInfo> AllErrors() { return kErrors; }

std::string_view ErrorTitle(Code code, std::string_view lang) {
  const auto& e = GetErrorInfo(code);
  return lang == "en" ? e.title_en : e.title_ja;
}

}  // namespace dokuei::base
