// DICOMweb (PS3.18) on the route table: STOW-RS, QIDO-RS, WADO-RS (instances, metadata, frames,
// rendered, thumbnail, bulk data) and WADO-URI. Handlers are thin: parse the request, call the
// archive service in the caller's tenant (from the authenticated Principal), map the Status.
// Another tenant's UID is answered exactly like a UID that does not exist, unless a StudyAccess
// grants the caller that study (a reader's assignment): the one place where a read reaches
// beyond the caller's tenant (docs/design/reader-access.md).
//
// Routes (under `root`, default "/dicom-web"), all authenticated:
//   POST /studies, /studies/{study}                                   STOW-RS   (write_permission)
//   GET  /studies, /series, /instances, /studies/{study}/series, ...   QIDO-RS   (read_permission)
//   GET  /studies/{study}[/series/{series}[/instances/{sop}]]          WADO-RS   (read_permission)
//        .../metadata, .../frames/{frames}, .../rendered, .../thumbnail, .../bulk/{path}
//   GET  /wado?requestType=WADO&...                                    WADO-URI  (read_permission)
//
// Lifetime: the services must outlive the server that serves the routes.
// Thread safety: handlers are called concurrently from the server's executor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/archive/audit_hook.h"
#include "dokuei/archive/ingest.h"
#include "dokuei/archive/query.h"
#include "dokuei/archive/retrieve.h"
#include "dokuei/base/status.h"
#include "dokuei/http/router.h"

namespace dokuei::dicomweb {

// A study of another tenant that the caller may read.
struct StudyGrant {
  index::TenantId tenant;
  std::string study_uid;
};

// Reads beyond the caller's own tenant: the studies a reading assignment opens to a reader (and
// to the centre's coordinators). Consulted only when the caller's own tenant does not hold what
// was asked, so hospitals' own reads cost nothing more.
class StudyAccess {
 public:
  virtual ~StudyAccess() = default;
  // The grants of the caller for `study_uid`, or every grant when it is empty (QIDO without a
  // study). An error fails the request (503 when transient), never widens it.
  virtual base::Result<std::vector<StudyGrant>> Grants(const http::Request& req,
                                                       std::string_view study_uid) = 0;
};

struct Services {
  archive::Ingest& ingest;
  archive::QueryService& query;
  archive::RetrieveService& retrieve;
  // When set: one audit record per request that reads patient data -- QIDO ("study.query"),
  // WADO-RS / WADO-URI instances, metadata, frames, bulk data ("study.retrieve"), rendered and
  // thumbnails ("study.view") -- written before the response is sent; when it cannot be written
  // the request fails (503) and nothing is sent. STOW records come from Ingest, per instance.
  archive::AuditHook* audit = nullptr;
  // When set: studies of other tenants granted to the caller are read like their own (in the
  // owning tenant, audited with that tenant); anything else stays 404 / an empty search.
  StudyAccess* access = nullptr;
};

struct Options {
  std::string root = "/dicom-web";
  // Absolute DICOMweb base URL used in RetrieveURLs and BulkDataURIs, e.g.
  // "https://pacs.example.jp/dicom-web". Empty: "<scheme>://<Host header><root>".
  std::string base_url;
  std::string scheme = "http";  // for the derived base URL ("https" behind TLS)
  std::string wado_uri_path;    // empty: root + "/wado"
  std::string read_permission = "dicomweb.read";
  std::string write_permission = "dicomweb.write";

  // STOW-RS limits.
  uint64_t max_stow_body_bytes = 4ull << 30;     // whole request body (declared or streamed)
  uint64_t max_part_bytes = 2ull << 30;          // one part (one instance)
  uint32_t max_part_header_bytes = 16 * 1024;    // header block of one part
  uint32_t max_parts = 100000;
  uint32_t stow_parallel_finishes = 4;  // parts being validated/stored while the next arrive
  uint64_t stow_inflight_bytes = 512ull << 20;  // ... and at most this many bytes of them

  // QIDO-RS: results per request (a larger or missing limit is capped, with a Warning header).
  uint32_t qido_max_limit = 1000;

  uint32_t thumbnail_size = 128;  // default viewport of /thumbnail (pixels, longest side)
  int jpeg_quality = 90;
};

// Registers every DICOMweb route. InvalidArgument if a route clashes with one already present.
base::Status RegisterRoutes(http::RouteTable& routes, Services services, const Options& options);

}  // namespace dokuei::dicomweb
