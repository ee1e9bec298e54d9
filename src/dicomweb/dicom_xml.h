// DICOM PS3.19 Native DICOM Model XML of AttributeLists, for clients of QIDO-RS and STOW-RS that
// ask for application/dicom+xml.
// Thread safety: pure functions.
#pragma once

#include <string>

#include "dokuei/dicom/attribute.h"

namespace dokuei::dicomweb {

std::string DicomXml(const dicom::AttributeList& attributes);

}  // namespace dokuei::dicomweb
