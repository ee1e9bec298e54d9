#include "dokuei/http/problem.h"

#include "dokuei/base/error_table.h"
#include "dokuei/base/strings.h"

namespace dokuei::http {

std::string PreferredLanguage(std::string_view accept_language) {
  // Best (q, position) for Japanese and English; the higher q wins, the earlier entry on a tie.
  double q_ja = -1, q_en = -1;
  size_t pos_ja = SIZE_MAX, pos_en = SIZE_MAX;
  size_t pos = 0;
  for (std::string_view item : base::Split(accept_language, ',')) {
    ++pos;
    auto fields = base::Split(item, ';');
    std::string tag = base::ToLowerAscii(base::Trim(fields[0]));
    double q = 1.0;
    for (size_t i = 1; i < fields.size(); ++i) {
      std::string_view f = base::Trim(fields[i]);
      if (f.size() > 2 && (f[0] == 'q' || f[0] == 'Q') && f[1] == '=') {
        std::string v(f.substr(2));
        char* end = nullptr;
        double d = std::strtod(v.c_str(), &end);
        if (end != v.c_str() && d >= 0 && d <= 1) q = d;
      }
    }
    if (q <= 0) continue;
    bool ja = tag == "ja" || base::StartsWith(tag, "ja-");
    bool en = tag == "en" || base::StartsWith(tag, "en-");
    if (ja && q > q_ja) q_ja = q, pos_ja = pos;
    if (en && q > q_en) q_en = q, pos_en = pos;
  }
  if (q_en > q_ja || (q_en == q_ja && q_en > 0 && pos_en < pos_ja)) return "en";
  return "ja";
}

std::string ProblemJson(const base::Status& status, std::string_view lang) {
  const base::ErrorInfo& info = base::GetErrorInfo(status.code());
  std::string out;
  out.reserve(160 + status.message().size());
  out += "{\"type\":\"";
  out += kProblemTypeBase;
  out += info.name;
  out += "\",\"title\":\"";
  base::AppendJsonEscaped(out, lang == "en" ? info.title_en : info.title_ja);
  out += "\",\"status\":";
  out += std::to_string(info.http_status);
  if (!status.message().empty()) {
    out += ",\"detail\":\"";
    base::AppendJsonEscaped(out, status.message());
    out += '"';
  }
  if (!status.field().empty()) {
    out += ",\"field\":\"";
    base::AppendJsonEscaped(out, status.field());
    out += '"';
  }
  out += '}';
  return out;
}

Response ProblemResponse(const base::Status& status, std::string_view lang) {
  Response r;
  r.status = base::GetErrorInfo(status.code()).http_status;
  r.headers.Set("Content-Type", std::string(kProblemContentType));
  if (lang == "en" || lang == "ja") r.headers.Set("Content-Language", std::string(lang));
  if (status.code() == base::Code::kUnauthenticated) {
    r.headers.Set("WWW-Authenticate", "Bearer realm=\"dokuei\"");
  }
  r.body = ProblemJson(status, lang);
  return r;
}

}  // namespace dokuei::http
