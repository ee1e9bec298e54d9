// Small data sets exchanged over DIMSE besides stored instances: C-FIND/C-GET/C-MOVE identifiers
// and storage-commitment information. Parsed with DCMTK after a bounded structural check, and
// converted between the wire character set and UTF-8 AttributeLists.
// Thread safety: pure functions.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "dokuei/base/status.h"
#include "dokuei/dicom/attribute.h"
#include "dokuei/dicom/dimse.h"

class DcmDataset;
class DcmItem;

namespace dokuei::dicom::net {

inline constexpr uint64_t kMaxIdentifierBytes = 1 << 20;
inline constexpr uint64_t kMaxActionInfoBytes = 16 << 20;

// Parses a data set received on a presentation context with transfer syntax `ts_uid`
// (uncompressed syntaxes only). kInvalidArgument with a short English reason on failure.
base::Result<std::unique_ptr<DcmDataset>> ParseSmallDataSet(std::string_view bytes,
                                                            const std::string& ts_uid);
// Encodes a data set for sending on a context with transfer syntax `ts_uid`.
base::Result<std::string> WriteDataSet(DcmDataset& dataset, const std::string& ts_uid);

// A query identifier in UTF-8. `failure` receives the DIMSE status to answer with when the
// result is an error (0xA900 for a missing/invalid level, 0xC000 for anything else).
base::Result<QueryIdentifier> DecodeIdentifier(DcmDataset& dataset, QueryModel model,
                                               std::string* query_charset, uint16_t* failure);

// A match as a response identifier: the match's attributes plus QueryRetrieveLevel and
// RetrieveAETitle, in the query's character set when it can represent every value, else in
// ISO_IR 192 (SpecificCharacterSet set accordingly).
base::Result<std::string> EncodeMatch(const AttributeList& match, QueryLevel level,
                                      const std::string& retrieve_ae,
                                      const std::string& query_charset, const std::string& ts_uid);

const char* LevelName(QueryLevel level);

// Fills `item` with `attributes` (UTF-8 values, no character set conversion).
base::Status FillItem(DcmItem& item, const AttributeList& attributes);

}  // namespace dokuei::dicom::net
