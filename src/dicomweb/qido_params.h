// QIDO-RS query parameters (PS3.18 8.3.4, 10.6.1.2) to an archive::QueryRequest:
//   {attributeID}={value}   keyword ("PatientName"), tag ("00100010") or one-level sequence path
//                           ("RequestAttributesSequence.RequestedProcedureID"); UI and CS values
//                           may be comma-separated lists; an empty value is a return key
//   includefield=all | {attributeID}[,{attributeID}...]   (repeatable)
//   fuzzymatching=true|false, limit={n>0}, offset={n>=0}
// Anything else is InvalidArgument naming the parameter.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "dokuei/archive/query.h"
#include "dokuei/base/status.h"
#include "dokuei/http/message.h"

namespace dokuei::dicomweb {

struct QidoScope {
  index::Level level = index::Level::kStudy;
  std::string study_uid;   // from the path, or empty
  std::string series_uid;  // from the path, or empty
};

struct QidoParams {
  archive::QueryRequest request;
  // The client asked for no limit or for more than the server's maximum: the answer may be cut.
  bool limit_capped = false;
};

base::Result<QidoParams> ParseQidoParams(const QidoScope& scope, const http::Pairs& query,
                                         uint32_t max_limit);

}  // namespace dokuei::dicomweb
