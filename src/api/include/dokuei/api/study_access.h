// Assignment-based DICOMweb access for the reading centre (docs/design/reader-access.md): the
// dicomweb::StudyAccess that opens to a reader, second reader or checker the study (and the
// listed priors) of each reading request they are assigned to while it is open, and to
// coordinators the study of any open request. Everything else stays outside the caller's scope
// (404 / empty search, exactly like a UID that does not exist).
//
//   auto access = api::AssignedStudyAccess(workflow.requests(), clock);
//   dicomweb::RegisterRoutes(routes, {ingest, query, retrieve, audit, access.get()}, options);
//
// Thread safety: thread-safe (asks the workflow at each read; no cache, so a reassignment
// closes the study at once).
#pragma once

#include <chrono>
#include <memory>

#include "dokuei/base/clock.h"
#include "dokuei/dicomweb/dicomweb.h"

namespace dokuei::workflow {
class Requests;
}

namespace dokuei::api {

struct StudyAccessOptions {
  // A delivered request keeps its studies open this long after delivery (the reader answers
  // follow-up questions and writes addenda); a cancelled request closes them at once.
  std::chrono::microseconds delivered_grace = std::chrono::hours(24 * 7);
};

std::unique_ptr<dicomweb::StudyAccess> AssignedStudyAccess(workflow::Requests& requests,
                                                           base::Clock& clock,
                                                           StudyAccessOptions options = {});

}  // namespace dokuei::api
