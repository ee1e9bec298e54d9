// Character sets of DICOM text values (PS3.5 6.1, PS3.3 C.12.1.1.2): decoding to UTF-8 for
// storage and JSON, and encoding from UTF-8 for C-FIND responses in the requester's character set.
//
// Supported Specific Character Set terms: default repertoire (empty), ISO_IR 100/101/109/110/
// 126/127/138/144/148/166/203, ISO_IR 13 (JIS X 0201), ISO_IR 192 (UTF-8), GB18030, GBK, and the
// ISO 2022 code-extension terms ISO 2022 IR 6/13/87/159/100/.../203/149/58 (e.g. Japanese
// "ISO 2022 IR 13\ISO 2022 IR 87" or "\ISO 2022 IR 87").
// Person names (person_name = true): '^' and '=' are delimiters after which the initial character
// set is active again (PS3.5 6.1.2.5.3); the encoder switches back before each of them.
// Thread safety: thread-safe (iconv descriptors are per thread).
#pragma once

#include <string>
#include <string_view>

#include "dokuei/base/status.h"

namespace dokuei::dicom {

// Encodes a UTF-8 value in `specific_character_set` (the raw (0008,0005) value, '\'-separated).
// kUnsupported if a character cannot be represented or a term is unknown; kInvalidArgument if
// `utf8` is not valid UTF-8.
base::Result<std::string> EncodeFromUtf8(std::string_view utf8,
                                         std::string_view specific_character_set, bool person_name);

// Decodes a value encoded in `specific_character_set` to UTF-8. kUnsupported for an unknown term;
// kInvalidArgument if the bytes are not valid in that character set.
base::Result<std::string> DecodeToUtf8(std::string_view bytes,
                                       std::string_view specific_character_set, bool person_name);

}  // namespace dokuei::dicom
