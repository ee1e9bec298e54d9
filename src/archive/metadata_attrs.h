// Reads attributes back out of an instance's stored DICOM JSON (for return keys that have no
// index column). Binary values (InlineBinary, BulkDataURI) are not returned.
#pragma once

#include <map>
#include <string_view>

#include "dokuei/dicom/attribute.h"

namespace dokuei::archive {

class MetadataAttrs {
 public:
  // Parses lazily: nothing happens until the first lookup.
  explicit MetadataAttrs(std::string_view json) : json_(json) {}
  const dicom::Attribute* Get(uint32_t tag);
  // Every top-level attribute, in tag order.
  const std::map<uint32_t, dicom::Attribute>& All();

 private:
  void Parse();
  std::string_view json_;
  bool parsed_ = false;
  std::map<uint32_t, dicom::Attribute> attrs_;
};

}  // namespace dokuei::archive
