// The pre-sign gate in front of Sign: template validation at draft time, errors refuse signing,
// warnings need an override whose reason is stored with the signature and audited, a critical
// category needs the recorded critical result. On every backend.
#include <nlohmann/json.hpp>

#include "dokuei/report/content.h"
#include "report_test_util.h"

namespace dokuei::report {
namespace {

using nlohmann::json;

// A lumbar MRI report on the mr-lumbar template that passes every check.
json Templated() {
  return json::parse(R"({"frame": 1, "template": {"id": "mr-lumbar", "version": "1"},
 "clinical_question": "右下肢痛。L4/5ヘルニア?", "technique": {"sequences": "T1/T2 sag, T2 ax"},
 "comparison": {"prior": "none"}, "numbering": {"transitional": "none", "counted_from": "sacrum"},
 "alignment": {"lordosis": "normal", "scoliosis": "none"}, "vertebrae": {"fracture": "none"},
 "levels": [{"level": "L1-L2", "normal": true}, {"level": "L2-L3", "normal": true},
            {"level": "L3-L4", "normal": true},
            {"level": "L4-L5", "disc.contour": "protrusion", "disc.side": "right",
             "canal.grade": "mild", "foramen.lee": {"left": "0", "right": "2"},
             "listhesis.grade": "none", "pars": {"left": "intact", "right": "intact"},
             "osteophytes": "mild"},
            {"level": "L5-S1", "normal": true}],
 "cord": {"conus_level": "L1"}, "paraspinal": {"atrophy": "none"}, "incidental": [],
 "impression": [{"text": "L4/5 右椎間板突出", "levels": ["L4-L5"], "side": "right",
                 "answers_question": true}],
 "critical_communication": {"category": "none"}})");
}

using PreSignTest = ReportTest;
DOKUEI_REPORT_BACKENDS(PreSignTest);

TEST_P(PreSignTest, TemplateIsValidatedWhenTheDraftIsSaved) {
  MakeRequest(1);
  json bad = Templated();
  bad["levels"][3]["foramen.lee"]["right"] = "moderate";
  auto d = svc_->reports().SaveDraft(Reader(), 1, {bad.dump()});
  EXPECT_EQ(d.status().code(), base::Code::kInvalidArgument);
  EXPECT_EQ(d.status().field(), "content.levels[L4-L5].foramen.lee.right");
  bad = Templated();
  bad["template"]["version"] = "7";
  EXPECT_EQ(svc_->reports().SaveDraft(Reader(), 1, {bad.dump()}).status().field(),
            "content.template");
  bad = Templated();
  bad["measurements"] = {{{"id", "m1"}, {"kind", "angle"}, {"value", 3}}};
  EXPECT_EQ(svc_->reports().SaveDraft(Reader(), 1, {bad.dump()}).status().field(),
            "content.measurements[0].kind");
  bad["measurements"] = "m1";
  EXPECT_EQ(svc_->reports().SaveDraft(Reader(), 1, {bad.dump()}).status().field(),
            "content.measurements");
}

TEST_P(PreSignTest, ErrorsBlockAndWarningsNeedARecordedOverride) {
  MakeRequest(1);
  // A missing level is an error: no override signs it.
  json j = Templated();
  j["levels"].erase(2);
  auto d = svc_->reports().SaveDraft(Reader(), 1, {j.dump()});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  auto checks = svc_->reports().Checks(Reader(), d->report_id);
  ASSERT_TRUE(checks.ok()) << checks.status().ToString();
  ASSERT_EQ(checks->errors.size(), 1u);
  EXPECT_EQ(checks->errors[0].id, "level_missing");
  EXPECT_EQ(checks->errors[0].field, "content.levels[L3-L4]");
  SignInput in;
  in.override_reason = "急ぎ";
  auto s = svc_->reports().Sign(Reader(), d->report_id, in);
  EXPECT_EQ(s.status().code(), base::Code::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("content.levels[L3-L4]"), std::string::npos);
  // A warning (impression side without a finding on that side) needs the override.
  j = Templated();
  j["impression"][0]["side"] = "left";
  ASSERT_TRUE(svc_->reports().SaveDraft(Reader(), 1, {j.dump()}).ok());
  checks = svc_->reports().Checks(Reader(), d->report_id);
  ASSERT_TRUE(checks.ok());
  EXPECT_TRUE(checks->errors.empty());
  ASSERT_EQ(checks->warnings.size(), 1u);
  EXPECT_EQ(checks->warnings[0].id, "impression_side");
  EXPECT_EQ(svc_->reports().Sign(Reader(), d->report_id, {}).status().code(),
            base::Code::kFailedPrecondition);
  // Only the request's reader runs the checks.
  EXPECT_EQ(svc_->reports().Checks(Reader(kCovering), d->report_id).status().code(),
            base::Code::kPermissionDenied);
  in.override_reason = "左L5症状の臨床所見あり、画像所見と併せて主治医に説明済み";
  s = svc_->reports().Sign(Reader(), d->report_id, in);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->override_reason, in.override_reason);
  EXPECT_EQ(json::parse(s->overridden_warnings),
            json::parse(R"([{"id":"impression_side","field":"content.impression[0].side"}])"));
  // Stored with the signature (read back) and audited.
  auto rep = svc_->reports().Get(Reader(), d->report_id);
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(rep->versions.back().override_reason, in.override_reason);
  EXPECT_TRUE(svc_->reports().Verify(d->report_id).ok());
  const auto events = Events();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().action, "report.sign");
  EXPECT_NE(events.back().message.find("impression_side"), std::string::npos)
      << events.back().message;
  EXPECT_NE(events.back().message.find(in.override_reason), std::string::npos);
}

TEST_P(PreSignTest, CleanReportSignsWithoutOverrideAndCriticalNeedsTheStep) {
  MakeRequest(1);
  json j = Templated();
  j["critical_communication"] = {{"category", "1"}, {"finding", "馬尾圧迫"}};
  auto d = svc_->reports().SaveDraft(Reader(), 1, {j.dump()});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  auto s = svc_->reports().Sign(Reader(), d->report_id, {});
  EXPECT_EQ(s.status().code(), base::Code::kFailedPrecondition);
  EXPECT_NE(s.status().message().find("critical_communication"), std::string::npos);
  ASSERT_TRUE(
      svc_->critical().Record(Reader(), d->report_id, {CriticalCategory::k1, "馬尾圧迫"}).ok());
  s = svc_->reports().Sign(Reader(), d->report_id, {});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->override_reason.empty());
  EXPECT_TRUE(s->overridden_warnings.empty());
}

}  // namespace
}  // namespace dokuei::report
