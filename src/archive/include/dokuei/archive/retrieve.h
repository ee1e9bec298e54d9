// RetrieveService: locate stored instances (by UIDs or by a C-GET/C-MOVE identifier), open their
// bytes, serve series/study metadata, and answer storage-commitment requests. Always within the
// caller's tenant: another tenant's UID is indistinguishable from one that does not exist.
// Thread safety: thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/archive/query.h"
#include "dokuei/base/status.h"
#include "dokuei/blob/blob_store.h"
#include "dokuei/index/index.h"

namespace dokuei::archive {

struct SopReference {
  std::string sop_class_uid;
  std::string sop_instance_uid;
};

struct CommitmentResult {
  std::vector<SopReference> committed;
  // Not held (or held under another SOP class), with failure reason 0x0112 (no such object
  // instance) or 0x0119 (class/instance conflict) per PS3.4 J.3.3.
  std::vector<std::pair<SopReference, uint16_t>> failed;
};

class RetrieveService {
 public:
  RetrieveService(index::Index& index, blob::BlobStore& blobs, QueryService& query)
      : index_(index), blobs_(blobs), query_(query) {}

  // By UIDs (empty = any below): study; study+series; study+series+instance.
  // kNotFound when nothing matches.
  base::Result<std::vector<index::InstanceLocation>> Locate(index::TenantId tenant,
                                                            std::string_view study_uid,
                                                            std::string_view series_uid,
                                                            std::string_view sop_uid);
  // By a retrieve identifier (C-GET / C-MOVE): keys at `request.level`, UIDs as lists.
  base::Result<std::vector<index::InstanceLocation>> Locate(index::TenantId tenant,
                                                            const QueryRequest& request);

  // Opens the bytes of a located instance; kDataLoss if the blob is missing or has the wrong size.
  base::Result<std::unique_ptr<blob::BlobReader>> Open(const index::InstanceLocation& location);
  base::Result<std::string> ReadAll(const index::InstanceLocation& location);

  // JSON array of the instances' metadata (study; study+series; study+series+instance), with
  // BulkDataURIs made absolute by prefixing `dicomweb_base_url` (e.g. "http://h:8042/dicom-web").
  base::Result<std::string> MetadataJson(index::TenantId tenant, std::string_view study_uid,
                                         std::string_view series_uid, std::string_view sop_uid,
                                         std::string_view dicomweb_base_url);

  // Storage commitment (PS3.4 J): which referenced instances are held, durably, in this tenant.
  base::Result<CommitmentResult> Commitment(index::TenantId tenant,
                                            const std::vector<SopReference>& references);

 private:
  index::Index& index_;
  blob::BlobStore& blobs_;
  QueryService& query_;
};

}  // namespace dokuei::archive
