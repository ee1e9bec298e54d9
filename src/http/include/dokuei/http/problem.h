// RFC 7807 problem+json bodies built from base::Status through the one error table:
//   {"type":"https://dokuei.example/problems/not-found","title":"見つかりません","status":404,
//    "detail":"...","field":"PatientName"}
// The title is Japanese unless the client prefers English (Accept-Language).
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "dokuei/base/status.h"
#include "dokuei/http/message.h"

namespace dokuei::http {

inline constexpr std::string_view kProblemTypeBase = "https://dokuei.example/problems/";
inline constexpr std::string_view kProblemContentType = "application/problem+json";

// "en" when the Accept-Language header prefers English over Japanese, else "ja".
std::string PreferredLanguage(std::string_view accept_language);

std::string ProblemJson(const base::Status& status, std::string_view lang);
// The whole response: status from the error table, problem body, Content-Type. A 401 also
// carries WWW-Authenticate: Bearer.
Response ProblemResponse(const base::Status& status, std::string_view lang);

}  // namespace dokuei::http
