// Publisher::Render: the document of a signed version, assembled from the report, the request,
// the study in the index, the key images in the archive and the signers' profiles.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/base/clock.h"
#include "dokuei/dicom/attribute.h"
#include "dokuei/identity/identity.h"
#include "dokuei/measure/key_image.h"
#include "dokuei/publish/publish.h"
#include "dokuei/render/pdf.h"
#include "dokuei/report/report.h"
#include "dokuei/spine/narrative.h"
#include "dokuei/spine/validate.h"
#include "dokuei/workflow/workflow.h"
#include "publish_internal.h"

namespace dokuei::publish {
namespace {

using nlohmann::json;

std::string First(const dicom::AttributeList& list, uint32_t tag) {
  const dicom::Attribute* a = dicom::Find(list, tag);
  return a != nullptr && !a->values.empty() ? a->values[0] : std::string();
}

// The study as the index holds it (patient and study attributes of the request's study).
base::Result<spine::StudyRef> StudyOf(archive::QueryService& query, int64_t tenant_id,
                                      const std::string& study_uid) {
  archive::QueryRequest q;
  q.level = index::Level::kStudy;
  q.keys.push_back({dicom::tags::kStudyInstanceUID, "UI", {study_uid}, {}});
  for (uint32_t tag :
       {dicom::tags::kPatientName, dicom::tags::kPatientID, dicom::tags::kPatientBirthDate,
        dicom::tags::kPatientSex, dicom::tags::kStudyDate, dicom::tags::kStudyTime,
        dicom::tags::kAccessionNumber, dicom::tags::kModalitiesInStudy,
        dicom::tags::kStudyDescription, dicom::tags::kReferringPhysicianName})
    q.keys.push_back({tag, dicom::VrForTag(tag), {}, {}});
  q.limit = 1;
  DOKUEI_ASSIGN_OR_RETURN(archive::QueryResult found, query.Find(index::TenantId{tenant_id}, q));
  if (found.matches.empty())
    return base::NotFound("the study " + study_uid + " is not in the archive");
  const dicom::AttributeList& m = found.matches.front();
  spine::StudyRef s;
  s.study_uid = study_uid;
  s.patient_name = First(m, dicom::tags::kPatientName);
  s.patient_id = First(m, dicom::tags::kPatientID);
  s.patient_birth_date = First(m, dicom::tags::kPatientBirthDate);
  s.patient_sex = First(m, dicom::tags::kPatientSex);
  s.study_date = First(m, dicom::tags::kStudyDate);
  s.study_time = First(m, dicom::tags::kStudyTime);
  s.accession = First(m, dicom::tags::kAccessionNumber);
  s.study_description = First(m, dicom::tags::kStudyDescription);
  s.referring_physician = First(m, dicom::tags::kReferringPhysicianName);
  // ModalitiesInStudy may list SR/PR objects beside the images: the first image modality.
  if (const dicom::Attribute* mods = dicom::Find(m, dicom::tags::kModalitiesInStudy)) {
    for (const auto& v : mods->values)
      if (v == "CT" || v == "MR" || v == "CR" || v == "DX" || v == "XR") {
        s.modality = v;
        break;
      }
    if (s.modality.empty() && !mods->values.empty()) s.modality = mods->values[0];
  }
  return s;
}

spine::Signer SignerOf(identity::Identity& id, std::string role, int64_t tenant_id,
                       int64_t user_id, base::Timestamp at) {
  spine::Signer s;
  s.role = std::move(role);
  s.signed_at = FormatJst(at);
  if (auto p = id.profiles().Get(user_id); p.ok()) {
    s.name = p->display_name;
    s.credentials = p->certifications;
  }
  if (s.name.empty()) {
    if (auto u = id.accounts().Get(tenant_id, user_id); u.ok()) s.name = u->display_name;
  }
  return s;
}

// The SOP class and series of an instance of the study (for the SR's image references).
struct Located {
  std::string series_uid, sop_class_uid;
  std::string bytes;
};

base::Result<Located> ReadInstance(archive::RetrieveService& retrieve, int64_t tenant_id,
                                   const std::string& study_uid, const std::string& sop_uid) {
  DOKUEI_ASSIGN_OR_RETURN(auto locs,
                          retrieve.Locate(index::TenantId{tenant_id}, study_uid, "", sop_uid));
  if (locs.empty())
    return base::NotFound("the key image instance " + sop_uid +
                                  " is not in the request's study");
  Located out;
  out.series_uid = locs.front().series_instance_uid;
  out.sop_class_uid = locs.front().sop_class_uid;
  DOKUEI_ASSIGN_OR_RETURN(out.bytes, retrieve.ReadAll(locs.front()));
  return out;
}

}  // namespace

std::string FormatJst(base::Timestamp t) {
  const auto jst = std::chrono::floor<std::chrono::seconds>(t) + std::chrono::hours(9);
  const auto day = std::chrono::floor<std::chrono::days>(jst);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{jst - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ld+09:00",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long>(hms.hours().count()),
                static_cast<long>(hms.minutes().count()),
                static_cast<long>(hms.seconds().count()));
  return buf;
}

Publisher::Publisher(Sources sources) : s_(std::move(sources)) {
  if (s_.catalog == nullptr) s_.catalog = &spine::Catalog::Builtin();
}

base::Result<Assembled> Publisher::Assemble(int64_t report_id, int64_t version_id,
                                            std::string_view lang) {
  if (lang != "ja" && lang != "en")
    return base::InvalidArgument("lang must be ja or en");
  const workflow::Actor system = workflow::Actor::System();
  DOKUEI_ASSIGN_OR_RETURN(report::Report rep, s_.reports->reports().Get(system, report_id));
  auto v = std::find_if(rep.versions.begin(), rep.versions.end(),
                        [&](const report::Version& x) { return x.id == version_id; });
  if (v == rep.versions.end())
    return base::NotFound("report " + std::to_string(report_id) + " has no version " +
                                  std::to_string(version_id));
  if (!v->signed_)
    return base::FailedPrecondition("version " + std::to_string(v->number) +
                                            " is not signed");
  DOKUEI_ASSIGN_OR_RETURN(workflow::ReadingRequest rq,
                          s_.workflow->requests().Get(system, rep.request_id));

  Assembled a;
  a.report = rep;
  a.version = *v;
  a.request = rq;
  a.out.tenant_id = rep.tenant_id;
  a.out.request_id = rep.request_id;

  json content = json::parse(v->content, nullptr, false);
  if (content.is_discarded() || !content.is_object())
    return base::DataLoss("version " + std::to_string(v->number) +
                                  " holds content that is not a JSON object");
  const spine::Template* tmpl = nullptr;
  if (content.contains("template") && content["template"].is_object()) {
    tmpl = s_.catalog->Find(content["template"].value("id", ""),
                            content["template"].value("version", ""));
  }
  // Frame-only content (issue 4's reports) names no template: nothing to render or code.
  if (!content.contains("template")) return a;
  if (tmpl == nullptr)
    return base::FailedPrecondition("the report names a template this server does not know");
  a.structured = true;
  a.out.template_id = tmpl->id;

  // The study and the hospital.
  DOKUEI_ASSIGN_OR_RETURN(spine::StudyRef study,
                          StudyOf(*s_.query, rep.tenant_id, rep.study_uid));
  if (auto t = s_.identity->tenants().Get(rep.tenant_id); t.ok())
    study.hospital = lang == "en" && !t->name_en.empty() ? t->name_en : t->name;
  if (study.accession.empty()) study.accession = rq.order.accession_number;

  // Signers: the reader who signed, the second reader whose review released it, the checker.
  spine::NarrativeInput in;
  in.study = study;
  in.version = v->number;
  in.status = v->amends_version_id != 0 ? "addendum" : "final";
  in.addendum_text = v->reason;
  base::Timestamp released = v->signed_at;
  in.signers.push_back(
      SignerOf(*s_.identity, "reader", rep.tenant_id, v->signer_id, v->signed_at));
  if (auto reviews = s_.reports->quality().Reviews(system, report_id); reviews.ok()) {
    for (const auto& r : *reviews)
      if (r.version_id == version_id && !r.returned) {
        in.signers.push_back(
            SignerOf(*s_.identity, "second_reader", rep.tenant_id, r.reviewer_id, r.at));
        released = std::max(released, r.at);
      }
  }
  if (auto checks = s_.reports->quality().Checks(system, report_id); checks.ok()) {
    for (const auto& c : *checks)
      if (c.version_id == version_id && c.approved) {
        in.signers.push_back(
            SignerOf(*s_.identity, "checker", rep.tenant_id, c.checker_id, c.at));
        released = std::max(released, c.at);
      }
  }
  in.released_at = FormatJst(released);

  // Measurements and key images (rendered from the archived instances).
  const json measurements = content.value("measurements", json::array());
  for (const auto& m : measurements) {
    DOKUEI_ASSIGN_OR_RETURN(spine::Measurement parsed, measure::ParseMeasurement(m.dump()));
    a.out.measurements.push_back(std::move(parsed));
  }
  const json key_images = content.value("key_images", json::array());
  int number = 0;
  for (const auto& k : key_images) {
    ++number;
    const std::string sop = k.value("instance", "");
    DOKUEI_ASSIGN_OR_RETURN(Located inst,
                            ReadInstance(*s_.retrieve, rep.tenant_id, rep.study_uid, sop));
    DOKUEI_ASSIGN_OR_RETURN(measure::KeyImage ki,
                            measure::ParseKeyImage(k.dump(), measurements.dump()));
    ki.max_width = ki.max_width == 0 ? 1024 : ki.max_width;
    ki.max_height = ki.max_height == 0 ? 1024 : ki.max_height;
    const auto* data = reinterpret_cast<const uint8_t*>(inst.bytes.data());
    DOKUEI_ASSIGN_OR_RETURN(std::string png,
                            measure::RenderKeyImage({data, inst.bytes.size()}, ki));
    spine::Figure f;
    f.number = number;
    f.sop_class_uid = inst.sop_class_uid;
    f.sop_instance_uid = sop;
    f.series_uid = inst.series_uid;
    f.frame = static_cast<int>(ki.frame);
    if (k.contains("caption") && k["caption"].is_object())
      f.caption = k["caption"].value(std::string(lang), "");
    f.png = std::move(png);
    in.figures.push_back(std::move(f));
  }

  for (const spine::Measurement& m : a.out.measurements) {
    const auto is_figure = [&](const spine::Figure& f) {
      return f.sop_instance_uid == m.sop_instance_uid;
    };
    const auto known = [&](const Assembled::Instance& i) {
      return i.sop_instance_uid == m.sop_instance_uid;
    };
    if (m.sop_instance_uid.empty() ||
        std::any_of(in.figures.begin(), in.figures.end(), is_figure) ||
        std::any_of(a.measured.begin(), a.measured.end(), known))
      continue;
    DOKUEI_ASSIGN_OR_RETURN(auto locs, s_.retrieve->Locate(index::TenantId{rep.tenant_id},
                                                           rep.study_uid, "", m.sop_instance_uid));
    if (locs.empty())
      return base::NotFound("measurement " + m.id + " is on an instance that is not in the study");
    a.measured.push_back({locs.front().series_instance_uid, locs.front().sop_class_uid,
                          m.sop_instance_uid});
  }

  DOKUEI_ASSIGN_OR_RETURN(a.out.document,
                          spine::Narrate(v->content, *tmpl, *s_.catalog, in, lang));
  DOKUEI_ASSIGN_OR_RETURN(a.out.findings, spine::ExtractFindings(v->content, *tmpl));
  a.out.placer_order_number = rq.order.placer_order_number;
  return a;
}

base::Result<Rendered> Publisher::Render(int64_t report_id, int64_t version_id,
                                         std::string_view lang) {
  DOKUEI_ASSIGN_OR_RETURN(Assembled a, Assemble(report_id, version_id, lang));
  if (!a.structured)
    return base::FailedPrecondition(
        "the report names no template: only structured spine reports are rendered");
  DOKUEI_ASSIGN_OR_RETURN(a.out.pdf, render::RenderPdf(a.out.document));
  return std::move(a.out);
}

}  // namespace dokuei::publish
