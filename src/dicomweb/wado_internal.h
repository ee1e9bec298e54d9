// Private: locating what a WADO request names, shared by the WADO-RS and WADO-URI handlers.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common.h"
#include "dokuei/blob/blob_store.h"

namespace dokuei::dicomweb {

// InvalidArgument naming the first malformed UID (series and sop may be empty).
base::Status CheckPathUids(std::string_view study, std::string_view series, std::string_view sop);
// Every instance under the UIDs, in the caller's tenant; the same NotFound for "absent" and
// "another tenant's". Writes the request's audit record `action` (each handler calls it once per
// request): an error when it cannot be written.
base::Result<std::vector<index::InstanceLocation>> LocateAll(
    Context& ctx, const http::Request& req, std::string_view study, std::string_view series,
    std::string_view sop, const char* action = "study.retrieve", index::TenantId* tenant = nullptr);
// The instance named by the path parameters study/series/sop (audited as LocateAll).
base::Result<index::InstanceLocation> LocateOne(Context& ctx, const http::Request& req);

// A stored object read into memory without zero-filling it first.
struct StoredBytes {
  std::unique_ptr<uint8_t[]> data;
  size_t size = 0;
  std::span<const uint8_t> span() const { return {data.get(), size}; }
};
// Reads the whole of the opened stored object `loc`.
base::Result<StoredBytes> ReadStored(const blob::BlobReader& reader,
                                     const index::InstanceLocation& loc);

}  // namespace dokuei::dicomweb
