#include "dokuei/identity/messages.h"

#include <array>

#include "msg.h"

namespace dokuei::identity {
namespace {

constexpr Message kAll[] = {
#define DOKUEI_MSG(name, en, ja) {en, ja},
#include "msg_table.inc"
#undef DOKUEI_MSG
    kLoginRefused,
};

}  // namespace

std::span<const Message> AllMessages() { return kAll; }

std::string LocalizedMessage(const base::Status& status, std::string_view lang) {
  if (lang != "en") {
    for (const Message& m : kAll)
      if (m.en == status.message()) return std::string(m.ja);
  }
  return status.message();
}

}  // namespace dokuei::identity
