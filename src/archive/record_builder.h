// Maps what the DICOM parser extracted to the index's record of an instance.
#pragma once

#include "dokuei/dicom/parse.h"
#include "dokuei/index/records.h"

namespace dokuei::archive {

index::InstanceRecord BuildRecord(const dicom::ParsedInstance& parsed,
                                  index::StorageAttrs storage);

}  // namespace dokuei::archive
