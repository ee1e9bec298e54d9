#include "net/command.h"

#include <cstring>

namespace dokuei::dicom::net {
namespace {

uint16_t Le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t Le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
void Put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>(v >> 8));
}
void Put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

}  // namespace

base::Result<Command> Command::Decode(std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxCommandBytes) {
    return base::InvalidArgument("DIMSE command set too large");
  }
  Command c;
  size_t pos = 0;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 8) return base::InvalidArgument("truncated DIMSE command element");
    const uint8_t* p = bytes.data() + pos;
    uint16_t group = Le16(p);
    uint16_t element = Le16(p + 2);
    uint32_t length = Le32(p + 4);
    pos += 8;
    if (group != 0x0000) return base::InvalidArgument("DIMSE command element outside group 0000");
    if (length > bytes.size() - pos) {
      return base::InvalidArgument("DIMSE command element length exceeds the command");
    }
    if (element != 0x0000) {
      c.elements_[element].assign(reinterpret_cast<const char*>(bytes.data() + pos), length);
    }
    pos += length;
  }
  if (!c.Us(el::kCommandField)) return base::InvalidArgument("DIMSE command without Command Field");
  return c;
}

std::string Command::Encode() const {
  std::string body;
  for (const auto& [element, value] : elements_) {
    Put16(body, 0x0000);
    Put16(body, element);
    Put32(body, static_cast<uint32_t>(value.size()));
    body += value;
  }
  std::string out;
  out.reserve(body.size() + 12);
  Put16(out, 0x0000);
  Put16(out, 0x0000);
  Put32(out, 4);
  Put32(out, static_cast<uint32_t>(body.size()));
  out += body;
  return out;
}

void Command::SetUs(uint16_t element, uint16_t value) {
  std::string v;
  Put16(v, value);
  elements_[element] = std::move(v);
}

void Command::SetUid(uint16_t element, std::string_view uid) {
  std::string v(uid);
  if (v.size() % 2) v.push_back('\0');
  elements_[element] = std::move(v);
}

void Command::SetText(uint16_t element, std::string_view text) {
  std::string v(text);
  if (v.size() % 2) v.push_back(' ');
  elements_[element] = std::move(v);
}

std::optional<uint16_t> Command::Us(uint16_t element) const {
  auto it = elements_.find(element);
  if (it == elements_.end() || it->second.size() != 2) return std::nullopt;
  return Le16(reinterpret_cast<const uint8_t*>(it->second.data()));
}

std::string Command::Text(uint16_t element) const {
  auto it = elements_.find(element);
  if (it == elements_.end()) return {};
  std::string v = it->second;
  while (!v.empty() && (v.back() == '\0' || v.back() == ' ')) v.pop_back();
  size_t start = 0;
  while (start < v.size() && v[start] == ' ') ++start;
  return v.substr(start);
}

std::string SanitizeComment(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (out.size() == 64) break;
    unsigned char u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x5C || u >= 0x7F) {
      out.push_back(' ');  // LO allows no control characters and no backslash; ASCII only
    } else {
      out.push_back(ch);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Command MakeResponse(uint16_t response_field, const Command& request, uint16_t status,
                     std::string_view error_comment, bool with_data_set) {
  Command r(response_field);
  r.SetUs(el::kMessageIdBeingRespondedTo, request.message_id());
  r.SetUs(el::kDataSetType, with_data_set ? 0x0000 : kNoDataSet);
  r.SetUs(el::kStatus, status);
  std::string comment = SanitizeComment(error_comment);
  if (!comment.empty()) r.SetText(el::kErrorComment, comment);
  return r;
}

}  // namespace dokuei::dicom::net
