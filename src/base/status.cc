#include "dokuei/base/status.h"

#include "dokuei/base/error_table.h"

namespace dokuei::base {

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(GetErrorInfo(code_).name);
  s += ": ";
  s += message_;
  if (!field_.empty()) {
    s += " [";
    s += field_;
    s += "]";
  }
  return s;
}

Status Status::WithContext(std::string_view prefix) const {
  if (ok()) return *this;
  std::string m(prefix);
  m += ": ";
  m += message_;
  return Status(code_, std::move(m), field_);
}

}  // namespace dokuei::base
