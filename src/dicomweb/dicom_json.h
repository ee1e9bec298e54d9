// DICOM JSON (PS3.18 Annex F) of AttributeLists: QIDO-RS results and the STOW-RS response.
// Person names become {"Alphabetic","Ideographic","Phonetic"} objects, numeric VRs JSON numbers,
// empty values null; attributes are written in tag order.
// Thread safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "dokuei/dicom/attribute.h"

namespace dokuei::dicomweb {

void AppendDicomJson(const dicom::AttributeList& attributes, std::string& out);
std::string DicomJsonObject(const dicom::AttributeList& attributes);
std::string DicomJsonArray(const std::vector<dicom::AttributeList>& datasets);


}  // namespace dokuei::dicomweb
