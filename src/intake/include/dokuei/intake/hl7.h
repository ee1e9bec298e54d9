// HL7 v2 messages (v2.3 to v2.5, "pipe and hat" encoding): parsing into segments and fields,
// escape sequences, character sets, and building messages (ACKs).
//
// Parsing first reads MSH-1/MSH-2 (the field separator and the encoding characters) and MSH-18
// (character set), decodes the whole message to UTF-8, then splits it. Character sets (HL7 table
// 0211): ASCII (empty, "ASCII", "ISO IR6"), "UNICODE UTF-8", and Japanese per JAHIS: "ISO IR87"
// (JIS X 0208 through ISO 2022 escape sequences, i.e. ISO-2022-JP; also "JIS X 0202",
// "JAS2020"), "ISO IR14" / "ISO IR13" (JIS X 0201 romaji and half-width katakana) and
// "ISO IR159" (JIS X 0212), in any repetition of MSH-18 (JAHIS sends e.g. "~ISO IR87"). Decoding
// uses src/dicom's ISO 2022 decoder, which never takes a byte of a two-byte JIS character for a
// delimiter. Anything else is kUnsupported. Values are kept escaped; Value() unescapes
// \F\ \S\ \T\ \R\ \E\, \.br\ (a line break) and \Xhh..\ (hex bytes); other escapes are kept as they
// are. Thread safety: value types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dokuei/base/status.h"

namespace dokuei::intake {

struct Hl7Delimiters {
  char field = '|', component = '^', repetition = '~', escape = '\\', subcomponent = '&';
};

struct Hl7Segment {
  std::string id;                   // "MSH", "PID", ...
  std::vector<std::string> fields;  // fields[n] is field n (escaped); fields[0] is the id
};

// Where an error is (ERR-2, HL7 ERL): segment id, its 1-based sequence among segments of that id,
// field, component (0 = whole field).
struct Hl7Location {
  std::string segment;
  int sequence = 1, field = 0, component = 0;
  std::string ToString() const;  // "PID-3", "ORC-7.6"
};

class Hl7Message {
 public:
  const Hl7Delimiters& delimiters() const { return delims_; }
  const std::vector<Hl7Segment>& segments() const { return segments_; }
  const std::string& charset() const { return charset_; }  // MSH-18 as received

  // The first segment with this id (nullptr if none), or the n-th (1-based).
  const Hl7Segment* Find(std::string_view id, int n = 1) const;
  // Unescaped value of field/repetition/component/subcomponent (all 1-based except repetition,
  // 0-based). MSH fields are numbered as the standard does (MSH-1 is the field separator).
  std::string Value(const Hl7Segment& s, int field, int component = 1, int repetition = 0,
                    int subcomponent = 1) const;
  // Number of repetitions of a field.
  int Repetitions(const Hl7Segment& s, int field) const;
  std::string Unescape(std::string_view escaped) const;

 private:
  friend base::Result<Hl7Message> ParseHl7(std::string_view bytes);
  Hl7Delimiters delims_;
  std::vector<Hl7Segment> segments_;
  std::string charset_;
};

// Parses a message (segments separated by CR; LF and CR LF are accepted too). kInvalidArgument
// when there is no valid MSH, kUnsupported for an unknown character set, kInvalidArgument for
// bytes not valid in the declared character set. The message (field: location) names the problem.
base::Result<Hl7Message> ParseHl7(std::string_view bytes);

// The raw MSH fields of a message, read without decoding (for answering a message that cannot be
// parsed): empty when there is no MSH.
std::vector<std::string> RawMshFields(std::string_view bytes);

// Escapes the delimiters in a UTF-8 text for use as a value.
std::string Hl7Escape(std::string_view text, const Hl7Delimiters& d = {});

// The DICOM Specific Character Set equivalent of an MSH-18 value (repetitions separated by the
// repetition character): "" (default), "ISO_IR 192", "ISO 2022 IR 6\ISO 2022 IR 87", ...
// kUnsupported for a term we do not know.
base::Result<std::string> DicomCharsetOf(std::string_view msh18, char repetition = '~');

// Encodes a UTF-8 message (built with the default delimiters) into MSH-18's character set.
base::Result<std::string> EncodeHl7(std::string_view utf8, std::string_view msh18);

}  // namespace dokuei::intake
