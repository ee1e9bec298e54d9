// QueryService: C-FIND and QIDO-RS share this. It turns DICOM matching keys into an index query,
// runs it inside the caller's tenant, and returns each match as an AttributeList holding the
// requested return keys (plus, for QIDO, the default attributes of PS3.18 Table 10.6.3-3..5).
// Attributes without an index column are answered from the stored metadata of a representative
// instance; matching on them is not supported and is reported as a warning.
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dokuei/base/status.h"
#include "dokuei/dicom/attribute.h"
#include "dokuei/index/index.h"

namespace dokuei::archive {

struct QueryRequest {
  index::Level level = index::Level::kStudy;
  // Matching keys (with values) and return keys (without). Values are UTF-8 and follow PS3.4
  // C.2.2.2 syntax: "*"/"?" wildcards, "a-b" ranges for DA/TM/DT, "\\"-separated UID lists.
  dicom::AttributeList keys;
  bool fuzzy_names = false;
  bool qido_defaults = false;      // add the QIDO-RS default return attributes for the level
  bool include_all = false;        // includefield=all: every attribute of the representative
  std::vector<uint32_t> include;   // includefield=<tag>
  uint32_t limit = 0;
  uint32_t offset = 0;
};

struct QueryResult {
  std::vector<dicom::AttributeList> matches;
  // e.g. "matching on (0008,0080) InstitutionName is not supported; it was ignored"
  std::vector<std::string> warnings;
};

class QueryService {
 public:
  explicit QueryService(index::Index& index) : index_(index) {}
  // kInvalidArgument (naming the attribute) for malformed values: bad date range, invalid UID in a
  // list, a key of a level below the query level.
  base::Result<QueryResult> Find(index::TenantId tenant, const QueryRequest& request);
  // The index query a request turns into (exposed for C-GET/C-MOVE and tests).
  base::Result<index::FindQuery> ToIndexQuery(const QueryRequest& request,
                                              std::vector<std::string>* warnings);

 private:
  index::Index& index_;
};

}  // namespace dokuei::archive
