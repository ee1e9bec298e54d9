// WADO-RS (PS3.18 10.4): instances of a study / series / instance as multipart/related Part-10,
// their metadata as DICOM JSON (a concatenation of the JSON precomputed at ingest), and bulk data.
#include <array>
#include <nlohmann/json.hpp>

#include "common.h"
#include "dokuei/base/strings.h"
#include "dokuei/http/media_type.h"
#include "dokuei/dicom/parse.h"
#include "dokuei/dicom/pixels.h"
#include "instance_stream.h"
#include "multipart.h"
#include "negotiation.h"
#include "wado_internal.h"

namespace dokuei::dicomweb {
namespace {

constexpr std::string_view kPixelDataPath = "7FE00010";

base::Result<http::Response> RetrieveInstances(Context& ctx, http::Request& req) {
  std::string_view study = req.Param("study"), series = req.Param("series"),
                   sop = req.Param("sop");
  DOKUEI_ASSIGN_OR_RETURN(auto locs, LocateAll(ctx, req, study, series, sop));
  std::vector<std::string> stored;
  stored.reserve(locs.size());
  for (const auto& l : locs) stored.push_back(l.transfer_syntax_uid);
  DOKUEI_ASSIGN_OR_RETURN(InstancePlan plan,
                          NegotiateInstances(req.Header("Accept"), stored, !sop.empty()));
  auto stream = std::make_unique<InstanceStream>(ctx.services.retrieve, std::move(locs),
                                                 plan.multipart, plan.to_explicit_le,
                                                 NewBoundary());
  http::Response res;
  res.headers.Set("Content-Type", stream->ContentType());
  res.stream = std::move(stream);
  return res;
}

base::Result<http::Response> Metadata(Context& ctx, http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(std::string content_type, NegotiateJson(req.Header("Accept")));
  std::string_view study = req.Param("study"), series = req.Param("series"),
                   sop = req.Param("sop");
  // Located first for the audit record (and the same NotFound as the other WADO routes).
  index::TenantId tenant;
  DOKUEI_RETURN_IF_ERROR(
      LocateAll(ctx, req, study, series, sop, "study.retrieve", &tenant).status());
  auto json =
      ctx.services.retrieve.MetadataJson(tenant, study, series, sop, BaseUrl(req, ctx.options));
  if (!json.ok()) return Normalize(json.status());
  return JsonResponse(std::move(json).value(), std::move(content_type));
}

// ---- bulk data ------------------------------------------------------------------------------

std::string Base64Decode(std::string_view in) {
  static const auto kTable = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(chars[i])] = static_cast<int8_t>(i);
    return t;
  }();
  std::string out;
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int8_t v = kTable[static_cast<uint8_t>(c)];
    if (v < 0) continue;  // padding, whitespace
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// The value at a BulkDataURI path ("00420011", "00540016.0.00181072"): the dicom module writes
// every non-pixel value inline when the bulk threshold is raised, so it is read back from there.
base::Result<std::string> NonPixelBulk(std::span<const uint8_t> file, std::string_view path) {
  std::vector<std::string_view> parts = base::Split(path, '.');
  if (parts.size() % 2 == 0) return base::InvalidArgument("malformed bulk data path", "path");
  dicom::Limits limits;
  limits.bulk_threshold_bytes = 0xFFFFFFFFu;
  DOKUEI_ASSIGN_OR_RETURN(dicom::ParsedInstance parsed, dicom::ParsePart10(file, limits));
  nlohmann::json doc = nlohmann::json::parse(parsed.metadata_json, nullptr, false);
  const nlohmann::json* node = &doc;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto tag = dicom::ParseTag(parts[i]);
    if (!tag || !node->is_object()) return base::NotFound("no bulk data at this path");
    auto it = node->find(dicom::TagHex(*tag));
    if (it == node->end()) {
      it = node->find(base::ToUpperAscii(dicom::TagHex(*tag)));
      if (it == node->end()) return base::NotFound("no bulk data at this path");
    }
    node = &*it;
    if (i + 1 == parts.size()) break;
    auto index = base::ParseUint(parts[i + 1]);
    auto value = node->find("Value");
    if (!index || value == node->end() || !value->is_array() || *index >= value->size()) {
      return base::NotFound("no bulk data at this path");
    }
    node = &(*value)[*index];
    ++i;
  }
  auto inline_binary = node->find("InlineBinary");
  if (inline_binary == node->end() || !inline_binary->is_string()) {
    return base::NotFound("no bulk data at this path");
  }
  return Base64Decode(inline_binary->get_ref<const std::string&>());
}

base::Result<http::Response> Bulk(Context& ctx, http::Request& req) {
  std::string path(req.Param("path"));
  for (char& c : path) {
    if (c == '/') c = '.';
  }
  DOKUEI_ASSIGN_OR_RETURN(index::InstanceLocation loc, LocateOne(ctx, req));
  DOKUEI_ASSIGN_OR_RETURN(std::string file, ctx.services.retrieve.ReadAll(loc));
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(file.data()), file.size());
  std::string boundary = NewBoundary();
  std::string body;
  size_t parts = 0;
  if (base::EqualsIgnoreCase(path, kPixelDataPath)) {
    uint32_t frames = static_cast<uint32_t>(std::max(1, loc.number_of_frames));
    DOKUEI_ASSIGN_OR_RETURN(
        FramePlan plan, NegotiateFrames(req.Header("Accept"), loc.transfer_syntax_uid, false));
    const bool encapsulated = !MediaTypeForTransferSyntax(loc.transfer_syntax_uid).empty();
    if (!encapsulated || plan.decode) {
      // Native pixel data is one value: every frame, in order, in one part.
      std::string value;
      std::string ts;
      for (uint32_t f = 1; f <= frames; ++f) {
        DOKUEI_ASSIGN_OR_RETURN(dicom::Frame fr, dicom::ExtractFrame(bytes, f, plan.decode));
        value += fr.bytes;
        ts = fr.transfer_syntax_uid;
      }
      body += PartPrologue(boundary, parts++, FrameContentType(plan, ts),
                           static_cast<int64_t>(value.size()));
      body += value;
    } else {
      for (uint32_t f = 1; f <= frames; ++f) {
        DOKUEI_ASSIGN_OR_RETURN(dicom::Frame fr, dicom::ExtractFrame(bytes, f, false));
        body += PartPrologue(boundary, parts++, FrameContentType(plan, fr.transfer_syntax_uid),
                             static_cast<int64_t>(fr.bytes.size()));
        body += fr.bytes;
      }
    }
  } else {
    DOKUEI_ASSIGN_OR_RETURN(auto ranges, http::ParseAccept(req.Header("Accept")));
    bool ok = false;
    for (const auto& m : ranges) {
      ok = ok || m.type == "*" || (m.type == "multipart" && m.subtype != "mixed") ||
           (m.type == "application" && m.subtype == "octet-stream");
    }
    if (!ok) {
      return base::Status(base::Code::kNotAcceptable,
                          "bulk data is available as multipart/related; "
                          "type=\"application/octet-stream\"",
                          "Accept");
    }
    DOKUEI_ASSIGN_OR_RETURN(std::string value, NonPixelBulk(bytes, path));
    body += PartPrologue(boundary, parts++, "application/octet-stream",
                         static_cast<int64_t>(value.size()));
    body += value;
  }
  body += MultipartEpilogue(boundary, parts);
  return http::Response::Bytes(
      200, "multipart/related; type=\"application/octet-stream\"; boundary=" + boundary,
      std::move(body));
}

}  // namespace

base::Status CheckPathUids(std::string_view study, std::string_view series,
                           std::string_view sop) {
  DOKUEI_RETURN_IF_ERROR(CheckUid(study, "StudyInstanceUID"));
  if (!series.empty() || !sop.empty()) {
    DOKUEI_RETURN_IF_ERROR(CheckUid(series, "SeriesInstanceUID"));
  }
  if (!sop.empty()) DOKUEI_RETURN_IF_ERROR(CheckUid(sop, "SOPInstanceUID"));
  return base::Status::Ok();
}

base::Result<std::vector<index::InstanceLocation>> LocateAll(
    Context& ctx, const http::Request& req, std::string_view study, std::string_view series,
    std::string_view sop, const char* action, index::TenantId* tenant_out) {
  DOKUEI_RETURN_IF_ERROR(CheckPathUids(study, series, sop));
  index::TenantId tenant = TenantOf(req);
  auto locs = ctx.services.retrieve.Locate(tenant, study, series, sop);
  const bool missing =
      (!locs.ok() && locs.status().code() == base::Code::kNotFound) || (locs.ok() && locs->empty());
  if (missing && ctx.services.access != nullptr) {
    // Not in the caller's tenant: a study granted by a reading assignment is read in the tenant
    // that holds it. Anything not granted stays exactly as missing.
    DOKUEI_ASSIGN_OR_RETURN(const auto grants, ctx.services.access->Grants(req, study));
    for (const StudyGrant& g : grants) {
      if (g.tenant == tenant || g.study_uid != study) continue;
      auto there = ctx.services.retrieve.Locate(g.tenant, study, series, sop);
      if (there.ok() && !there->empty()) {
        tenant = g.tenant;
        locs = std::move(there);
        break;
      }
    }
  }
  if (!locs.ok()) return Normalize(locs.status());
  if (locs->empty()) return base::NotFound("no such study, series or instance");
  DOKUEI_RETURN_IF_ERROR(AuditAccess(ctx, req, action, *locs, tenant));
  if (tenant_out != nullptr) *tenant_out = tenant;
  return locs;
}

base::Result<index::InstanceLocation> LocateOne(Context& ctx, const http::Request& req) {
  DOKUEI_ASSIGN_OR_RETURN(
      auto locs, LocateAll(ctx, req, req.Param("study"), req.Param("series"), req.Param("sop")));
  return std::move(locs.front());
}

base::Result<StoredBytes> ReadStored(const blob::BlobReader& reader,
                                     const index::InstanceLocation& loc) {
  StoredBytes out;
  out.size = reader.Size();
  out.data.reset(new uint8_t[std::max<size_t>(out.size, 1)]);
  size_t done = 0;
  while (done < out.size) {
    DOKUEI_ASSIGN_OR_RETURN(size_t n, reader.Read(done, {out.data.get() + done, out.size - done}));
    if (n == 0) return base::DataLoss("stored object " + loc.sop_instance_uid + " is truncated");
    done += n;
  }
  return out;
}

base::Status RegisterWado(http::RouteTable& routes, const std::shared_ptr<Context>& ctx) {
  struct Def {
    const char* suffix;
    const char* ja;
    const char* en;
    const char* meta_ja;
    const char* meta_en;
  };
  static constexpr Def kDefs[] = {
      {"/studies/{study}", "検査を取得 (WADO-RS)", "Retrieve a study (WADO-RS)",
       "検査のメタデータを取得 (WADO-RS)", "Retrieve the metadata of a study (WADO-RS)"},
      {"/studies/{study}/series/{series}", "シリーズを取得 (WADO-RS)",
       "Retrieve a series (WADO-RS)", "シリーズのメタデータを取得 (WADO-RS)",
       "Retrieve the metadata of a series (WADO-RS)"},
      {"/studies/{study}/series/{series}/instances/{sop}", "インスタンスを取得 (WADO-RS)",
       "Retrieve an instance (WADO-RS)", "インスタンスのメタデータを取得 (WADO-RS)",
       "Retrieve the metadata of an instance (WADO-RS)"},
  };
  for (const Def& d : kDefs) {
    DOKUEI_RETURN_IF_ERROR(routes.Add(ReadRoute(
        *ctx, d.suffix, [ctx](http::Request& req) { return RetrieveInstances(*ctx, req); }, d.ja,
        d.en, {"multipart/related; type=\"application/dicom\""})));
    DOKUEI_RETURN_IF_ERROR(routes.Add(ReadRoute(
        *ctx, std::string(d.suffix) + "/metadata",
        [ctx](http::Request& req) { return Metadata(*ctx, req); }, d.meta_ja, d.meta_en,
        {"application/dicom+json"})));
  }
  return routes.Add(ReadRoute(
      *ctx, "/studies/{study}/series/{series}/instances/{sop}/bulk/{path*}",
      [ctx](http::Request& req) { return Bulk(*ctx, req); }, "バルクデータを取得 (WADO-RS)",
      "Retrieve bulk data (WADO-RS)", {"multipart/related; type=\"application/octet-stream\""}));
}

}  // namespace dokuei::dicomweb
