// STOW-RS (PS3.18 10.5): POST /studies and /studies/{study}, multipart/related;
// type="application/dicom". The body is parsed incrementally; each part streams into an
// archive::IngestSink as it arrives, and is validated and stored (on the finisher pool) while the
// next parts are received, with at most `stow_parallel_finishes` parts in flight per request.
// A part is stored only once its closing delimiter has arrived; an abandoned body leaves nothing
// of the unfinished part behind.
#include <spdlog/spdlog.h>

#include <deque>
#include <future>

#include "common.h"
#include "dicom_json.h"
#include "dicom_xml.h"
#include "dokuei/base/error_table.h"
#include "dokuei/base/strings.h"
#include "dokuei/dicom/parse.h"
#include "dokuei/http/media_type.h"
#include "multipart.h"
#include "negotiation.h"

namespace dokuei::dicomweb {
namespace {

namespace t = dicom::tags;
constexpr uint32_t kReferencedSOPClassUID = dicom::Tag(0x0008, 0x1150);
constexpr uint32_t kReferencedSOPInstanceUID = dicom::Tag(0x0008, 0x1155);
constexpr uint32_t kWarningReason = dicom::Tag(0x0008, 0x1196);
constexpr uint32_t kFailureReason = dicom::Tag(0x0008, 0x1197);
constexpr uint32_t kFailedSOPSequence = dicom::Tag(0x0008, 0x1198);
constexpr uint32_t kReferencedSOPSequence = dicom::Tag(0x0008, 0x1199);
// Warning: the instance was already stored with identical content (an idempotent re-send);
// PS3.4 B.2.3 "coercion of data elements" is the nearest standard warning a client will accept.
constexpr uint16_t kWarningDuplicate = 0xB000;

// One part on its way to the archive.
struct PendingPart {
  std::unique_ptr<archive::IngestSink> sink;  // POST /studies
  std::string buffer;                         // POST /studies/{study}: checked before storing
  base::Status failure;                       // refused before storage (part type, size)
};

class StowConsumer final : public http::BodyConsumer, public MultipartParser::Handler {
 public:
  StowConsumer(std::shared_ptr<Context> ctx, index::TenantId tenant, archive::Origin origin,
               std::string study, std::string base_url, std::string content_type,
               std::string lang, std::string boundary)
      : ctx_(std::move(ctx)),
        tenant_(tenant),
        origin_(std::move(origin)),
        study_(std::move(study)),
        base_url_(std::move(base_url)),
        content_type_(std::move(content_type)),
        lang_(std::move(lang)),
        parser_(std::move(boundary),
                MultipartParser::Limits{ctx_->options.max_part_bytes,
                                        ctx_->options.max_part_header_bytes,
                                        ctx_->options.max_parts},
                *this) {}

  base::Status Consume(std::string_view data) override { return parser_.Feed(data); }

  base::Result<http::Response> Finish() override {
    DOKUEI_RETURN_IF_ERROR(parser_.Finish());
    while (!pending_.empty()) Collect();
    if (results_.empty()) {
      return base::InvalidArgument("the multipart body has no parts", "Content-Type");
    }
    return BuildResponse();
  }

  // ---- MultipartParser::Handler ----
  base::Status OnPartBegin(const http::Headers& headers) override {
    current_ = std::make_shared<PendingPart>();
    std::string_view ct = headers.Get("Content-Type");
    if (!ct.empty()) {
      auto mt = http::ParseMediaType(ct);
      if (!mt.ok() || mt->Essence() != "application/dicom") {
        current_->failure = base::Unsupported(
            "part " + std::to_string(results_.size() + pending_.size() + 1) +
                " is not application/dicom",
            "Content-Type");
        return base::Status::Ok();
      }
    }
    if (study_.empty()) current_->sink = ctx_->services.ingest.BeginPart10(tenant_, origin_);
    return base::Status::Ok();
  }

  base::Status OnPartData(std::string_view data) override {
    PendingPart& p = *current_;
    part_bytes_ += data.size();
    if (!p.failure.ok()) return base::Status::Ok();  // skip the rest of a refused part
    if (p.sink) {
      base::Status st =
          p.sink->Write({reinterpret_cast<const uint8_t*>(data.data()), data.size()});
      if (!st.ok()) {
        p.failure = st;
        p.sink.reset();  // discards what was written
      }
      return base::Status::Ok();
    }
    p.buffer.append(data);
    return base::Status::Ok();
  }

  base::Status OnPartEnd() override {
    auto part = std::move(current_);
    const uint64_t bytes = part_bytes_;
    part_bytes_ = 0;
    auto task = std::make_shared<std::packaged_task<archive::StoreResult()>>(
        [part, ctx = ctx_, tenant = tenant_, origin = origin_, study = study_]() {
          return StorePart(*ctx, *part, tenant, origin, study);
        });
    pending_.push_back({task->get_future(), bytes});
    pending_bytes_ += bytes;
    ctx_->finisher->Post([task] { (*task)(); });
    // Bounded by count and by bytes: a few huge parts wait for each other instead of exhausting
    // the ingest memory budget.
    while (!pending_.empty() &&
           (pending_.size() >= std::max<uint32_t>(1, ctx_->options.stow_parallel_finishes) ||
            pending_bytes_ > ctx_->options.stow_inflight_bytes)) {
      Collect();
    }
    return base::Status::Ok();
  }

 private:
  static archive::StoreResult StorePart(Context& ctx, PendingPart& part, index::TenantId tenant,
                                        const archive::Origin& origin, const std::string& study) {
    archive::StoreResult r;
    if (!part.failure.ok()) {
      r.status = part.failure;
      return r;
    }
    if (part.sink) return part.sink->Finish();
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(part.buffer.data()),
                                   part.buffer.size());
    dicom::Limits limits;
    limits.max_object_bytes = ctx.options.max_part_bytes;
    auto parsed = dicom::ParsePart10(bytes, limits);
    if (!parsed.ok()) {
      r.status = parsed.status();
      return r;
    }
    if (parsed->study_instance_uid != study) {
      r.status = base::Status(base::Code::kConflict,
                              "StudyInstanceUID " + parsed->study_instance_uid +
                                  " differs from the study of the request",
                              "StudyInstanceUID");
      r.sop_class_uid = parsed->sop_class_uid;
      r.sop_instance_uid = parsed->sop_instance_uid;
      r.study_instance_uid = parsed->study_instance_uid;
      return r;
    }
    return ctx.services.ingest.StorePart10(tenant, bytes, origin);
  }

  void Collect() {
    results_.push_back(pending_.front().result.get());
    pending_bytes_ -= pending_.front().bytes;
    pending_.pop_front();
  }

  base::Result<http::Response> BuildResponse() {
    dicom::Attribute referenced{kReferencedSOPSequence, "SQ", {}, {}};
    dicom::Attribute failed{kFailedSOPSequence, "SQ", {}, {}};
    std::string study_of_all;
    bool one_study = true;
    bool warnings = false;
    std::vector<std::string> failure_notes;
    for (size_t i = 0; i < results_.size(); ++i) {
      const archive::StoreResult& r = results_[i];
      dicom::AttributeList item;
      auto uid = [&](uint32_t tag, const std::string& v) {
        if (!v.empty()) item.push_back(dicom::Attribute{tag, "UI", {v}, {}});
      };
      uid(kReferencedSOPClassUID, r.sop_class_uid);
      uid(kReferencedSOPInstanceUID, r.sop_instance_uid);
      if (r.ok()) {
        item.push_back(dicom::Attribute{
            t::kRetrieveURL, "UR",
            {base_url_ + "/studies/" + r.study_instance_uid + "/series/" +
             r.series_instance_uid + "/instances/" + r.sop_instance_uid},
            {}});
        if (r.disposition == archive::Disposition::kDuplicate) {
          item.push_back(dicom::Attribute{kWarningReason, "US",
                                          {std::to_string(kWarningDuplicate)}, {}});
          warnings = true;
        }
        if (study_of_all.empty()) study_of_all = r.study_instance_uid;
        one_study = one_study && study_of_all == r.study_instance_uid;
        referenced.items.push_back(std::move(item));
      } else {
        base::Code code = r.status.ok() ? base::Code::kInternal : r.status.code();
        uint16_t reason = base::GetErrorInfo(code).dimse_status;
        item.push_back(dicom::Attribute{kFailureReason, "US", {std::to_string(reason)}, {}});
        failed.items.push_back(std::move(item));
        if (failure_notes.size() < 10) {
          failure_notes.push_back("part " + std::to_string(i + 1) + ": " + r.status.ToString());
        }
      }
    }
    dicom::AttributeList body;
    if (!referenced.items.empty() && (one_study || !study_.empty())) {
      std::string study = study_.empty() ? study_of_all : study_;
      body.push_back(dicom::Attribute{t::kRetrieveURL, "UR", {base_url_ + "/studies/" + study}, {}});
    }
    if (!failed.items.empty()) body.push_back(failed);
    if (!referenced.items.empty()) body.push_back(referenced);
    http::Response res = JsonResponse(
        content_type_ == "application/dicom+xml" ? DicomXml(body) : DicomJsonObject(body),
        content_type_);
    if (referenced.items.empty()) {
      res.status = 409;
    } else if (!failed.items.empty() || warnings) {
      res.status = 202;
    }
    for (const auto& note : failure_notes) {
      res.headers.Add("Warning", "299 dokuei \"" + Sanitize(note) + "\"");
    }
    spdlog::info("stow tenant={} parts={} stored={} failed={}", tenant_.value, results_.size(),
                 referenced.items.size(), failed.items.size());
    return res;
  }

  static std::string Sanitize(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 300)) {
      if (c == '"' || c == '\\') out.push_back('\\');
      if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F) {
        out.push_back(c);
      }
    }
    return out;
  }

  std::shared_ptr<Context> ctx_;
  index::TenantId tenant_;
  archive::Origin origin_;
  std::string study_;
  std::string base_url_;
  std::string content_type_;
  std::string lang_;
  MultipartParser parser_;
  std::shared_ptr<PendingPart> current_;
  struct InFlight {
    std::future<archive::StoreResult> result;
    uint64_t bytes = 0;
  };
  std::deque<InFlight> pending_;
  uint64_t pending_bytes_ = 0;
  uint64_t part_bytes_ = 0;  // of the part being received
  std::vector<archive::StoreResult> results_;
};

base::Result<std::unique_ptr<http::BodyConsumer>> BeginStow(const std::shared_ptr<Context>& ctx,
                                                            http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(ResultFormat format, NegotiateResults(req.Header("Accept"), false));
  std::string response_type = format == ResultFormat::kXml    ? "application/dicom+xml"
                              : format == ResultFormat::kJson ? "application/json"
                                                              : "application/dicom+json";
  std::string study(req.Param("study"));
  if (!study.empty()) DOKUEI_RETURN_IF_ERROR(CheckUid(study, "StudyInstanceUID"));
  std::string_view ct = req.Header("Content-Type");
  if (ct.empty()) return base::Unsupported("Content-Type is missing", "Content-Type");
  auto mt = http::ParseMediaType(ct);
  if (!mt.ok()) return base::InvalidArgument(mt.status().message(), "Content-Type");
  if (mt->Essence() != "multipart/related") {
    return base::Unsupported("STOW-RS needs multipart/related; type=\"application/dicom\"",
                             "Content-Type");
  }
  if (mt->HasParam("type")) {
    auto type = http::ParseMediaType(mt->Param("type"));
    if (!type.ok() || type->Essence() != "application/dicom") {
      return base::Unsupported("only type=\"application/dicom\" parts are supported",
                               "Content-Type");
    }
  }
  std::string boundary(mt->Param("boundary"));
  DOKUEI_RETURN_IF_ERROR(MultipartParser::ValidateBoundary(boundary));
  archive::Origin origin;
  origin.protocol = "stow";
  origin.user = req.principal.subject;
  origin.remote_address = req.remote_address;
  origin.user_id = req.principal.user_id;
  origin.actor_tenant_id = req.principal.tenant_id;
  for (const auto& r : req.principal.roles) origin.roles += (origin.roles.empty() ? "" : ",") + r;
  return std::unique_ptr<http::BodyConsumer>(new StowConsumer(
      ctx, TenantOf(req), std::move(origin), std::move(study), BaseUrl(req, ctx->options),
      std::move(response_type), req.lang, std::move(boundary)));
}

}  // namespace

base::Status RegisterStow(http::RouteTable& routes, const std::shared_ptr<Context>& ctx) {
  for (const char* suffix : {"/studies", "/studies/{study}"}) {
    http::Route r;
    r.method = "POST";
    r.pattern = ctx->options.root + suffix;
    r.stream_handler = [ctx](http::Request& req) { return BeginStow(ctx, req); };
    r.permission = ctx->options.write_permission;
    r.body_limit = ctx->options.max_stow_body_bytes;
    r.tag = "DICOMweb";
    r.produces = {"application/dicom+json", "application/dicom+xml"};
    if (std::string_view(suffix) == "/studies") {
      r.summary_ja = "インスタンスを保存 (STOW-RS)";
      r.summary_en = "Store instances (STOW-RS)";
    } else {
      r.summary_ja = "検査にインスタンスを保存 (STOW-RS)";
      r.summary_en = "Store instances into a study (STOW-RS)";
    }
    DOKUEI_RETURN_IF_ERROR(routes.Add(std::move(r)));
  }
  return base::Status::Ok();
}

}  // namespace dokuei::dicomweb
