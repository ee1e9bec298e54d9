// User-facing texts of critical-result notifications, Japanese (default) and English. E-mail
// carries no finding and no patient data (it crosses servers we do not control): it says that a
// result is waiting and by when to acknowledge it; the app and the signed webhook carry the
// finding.
#include <nlohmann/json.hpp>

#include "critical.h"

namespace dokuei::report::internal {

namespace {

// "2026-11-25 10:00 JST" (Japan has a fixed +09:00 offset).
std::string Jst(base::Timestamp t) {
  const std::string iso = base::FormatIso8601(t + std::chrono::hours(9));
  return iso.substr(0, 10) + " " + iso.substr(11, 5) + " JST";
}

}  // namespace

CriticalTexts MakeCriticalTexts(const CriticalResult& cr, const Report& r, std::string_view lang) {
  const int cat = static_cast<int>(cr.category);
  const std::string req = std::to_string(r.request_id);
  const std::string ja_subject =
      "【重要所見 カテゴリー" + std::to_string(cat) + "】読影依頼 " + req + " の確認をお願いします";
  const std::string en_subject = "[Critical result, category " + std::to_string(cat) +
                                 "] Please acknowledge reading request " + req;
  const std::string ja_body =
      "読影依頼 " + req + " の読影で重要所見 (" +
      std::string(CriticalCategoryLabel(cr.category, "ja")) + ") が報告されました。\n" +
      "Dokuei にログインして内容を確認し、" + Jst(cr.ack_deadline) +
      " までに確認済みとしてください。期限を過ぎると読影センターのオペレーターから連絡します。\n";
  const std::string en_body =
      "A critical result (" + std::string(CriticalCategoryLabel(cr.category, "en")) +
      ") was reported for reading request " + req + ".\n" +
      "Please sign in to Dokuei, read it and acknowledge it by " + Jst(cr.ack_deadline) +
      ". After that time the reading centre's coordinator will call you.\n";
  const bool en = lang == "en";
  CriticalTexts t;
  t.subject = en ? en_subject + " / " + ja_subject : ja_subject + " / " + en_subject;
  const std::string sep = "\n----------------------------------------\n\n";
  t.mail_body = en ? en_body + sep + ja_body : ja_body + sep + en_body;
  const std::string finding_ja = "所見: " + cr.finding + "\n";
  const std::string finding_en = "Finding: " + cr.finding + "\n";
  t.app_body = en ? en_body + finding_en + sep + ja_body + finding_ja
                  : ja_body + finding_ja + sep + en_body + finding_en;
  nlohmann::json j = {
      {"event", "critical_result"},
      {"critical_id", cr.id},
      {"report_id", r.id},
      {"request_id", r.request_id},
      {"study_uid", r.study_uid},
      {"category", cat},
      {"finding", cr.finding},
      {"notified_at", base::FormatIso8601(cr.notified_at)},
      {"acknowledge_by", base::FormatIso8601(cr.ack_deadline)},
      {"message", {{"ja", ja_body}, {"en", en_body}}},
  };
  t.webhook_json = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return t;
}

}  // namespace dokuei::report::internal
