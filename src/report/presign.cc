// The spine pre-sign checks in front of Sign (docs/design/spine-reporting.md).
#include <nlohmann/json.hpp>

#include "reports.h"

namespace dokuei::report::internal {

base::Result<spine::CheckResult> PreSign(db::Conn& c, int64_t report_id, std::string_view content) {
  const nlohmann::json doc = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("template"))
    return spine::CheckResult{};
  const nlohmann::json& t = doc["template"];
  const spine::Template* tpl = t.is_object() && t.contains("id") && t["id"].is_string() &&
                                       t.contains("version") && t["version"].is_string()
                                   ? spine::Catalog::Builtin().Find(t["id"].get<std::string>(),
                                                                    t["version"].get<std::string>())
                                   : nullptr;
  if (tpl == nullptr)
    return base::InvalidArgument("report content: unknown template id or version",
                                 "content.template");
  spine::CheckContext ctx;
  // The critical-result step: a critical result of the stated category recorded for the report.
  const auto cc = doc.find("critical_communication");
  if (cc != doc.end() && cc->is_object() && cc->contains("category") &&
      (*cc)["category"].is_string()) {
    const std::string cat = (*cc)["category"].get<std::string>();
    if (cat == "1" || cat == "2" || cat == "3") {
      const db::Value p[] = {I(report_id), I(cat[0] - '0')};
      DOKUEI_RETURN_IF_ERROR(
          c.Query("SELECT COUNT(*) FROM report_critical WHERE report_id = ? AND category = ?", p,
                  [&](const db::Row& r) {
                    ctx.critical_recorded = r.Int(0) > 0;
                    return base::Status::Ok();
                  }));
    }
  }
  return spine::PreSignCheck(content, *tpl, ctx);
}

}  // namespace dokuei::report::internal
