# cmake -DIN=<list.txt> -DOUT=<file.cc> -P embed.cmake
# Compiles the common-password list into the binary as an array of string literals (one short
# literal per entry, so no compiler limit on literal length applies).
file(READ "${IN}" _content)
string(REPLACE "\\" "\\\\" _content "${_content}")
string(REPLACE "\"" "\\\"" _content "${_content}")
string(REGEX REPLACE "\n$" "" _content "${_content}")
string(REPLACE "\n" "\",\n    \"" _content "${_content}")
file(WRITE "${OUT}.tmp"
  "// Generated from src/identity/data/common-passwords.txt by embed.cmake. Do not edit.\n"
  "#include <cstddef>\n\n"
  "namespace dokuei::identity::internal {\n\n"
  "extern const char* const kCommonPasswordList[];\n"
  "extern const size_t kCommonPasswordListSize;\n\n"
  "const char* const kCommonPasswordList[] = {\n    \"${_content}\"};\n"
  "const size_t kCommonPasswordListSize = sizeof(kCommonPasswordList) / sizeof(kCommonPasswordList[0]);\n\n"
  "}  // namespace dokuei::identity::internal\n")
file(RENAME "${OUT}.tmp" "${OUT}")
