// Value representations as packed two-letter codes, and their encoding properties (PS3.5 6.2).
// Private to the dicom module.
#pragma once

#include <cstdint>
#include <string>

namespace dokuei::dicom::internal {

using Vr = uint16_t;

constexpr Vr MakeVr(char a, char b) {
  return static_cast<Vr>((static_cast<uint16_t>(static_cast<uint8_t>(a)) << 8) |
                         static_cast<uint8_t>(b));
}

namespace vr {
inline constexpr Vr kAE = MakeVr('A', 'E'), kAS = MakeVr('A', 'S'), kAT = MakeVr('A', 'T'),
                    kCS = MakeVr('C', 'S'), kDA = MakeVr('D', 'A'), kDS = MakeVr('D', 'S'),
                    kDT = MakeVr('D', 'T'), kFD = MakeVr('F', 'D'), kFL = MakeVr('F', 'L'),
                    kIS = MakeVr('I', 'S'), kLO = MakeVr('L', 'O'), kLT = MakeVr('L', 'T'),
                    kOB = MakeVr('O', 'B'), kOD = MakeVr('O', 'D'), kOF = MakeVr('O', 'F'),
                    kOL = MakeVr('O', 'L'), kOV = MakeVr('O', 'V'), kOW = MakeVr('O', 'W'),
                    kPN = MakeVr('P', 'N'), kSH = MakeVr('S', 'H'), kSL = MakeVr('S', 'L'),
                    kSQ = MakeVr('S', 'Q'), kSS = MakeVr('S', 'S'), kST = MakeVr('S', 'T'),
                    kSV = MakeVr('S', 'V'), kTM = MakeVr('T', 'M'), kUC = MakeVr('U', 'C'),
                    kUI = MakeVr('U', 'I'), kUL = MakeVr('U', 'L'), kUN = MakeVr('U', 'N'),
                    kUR = MakeVr('U', 'R'), kUS = MakeVr('U', 'S'), kUT = MakeVr('U', 'T'),
                    kUV = MakeVr('U', 'V');
}  // namespace vr

// One of the 34 VRs of PS3.5 Table 6.2-1.
bool IsKnownVr(Vr v);
// Explicit VR encoding with 2 reserved bytes and a 32-bit length (PS3.5 7.1.2).
bool HasLongLength(Vr v);
// Text VRs (value is a character string).
bool IsStringVr(Vr v);
// Text VRs whose value is affected by Specific Character Set (PS3.5 6.1.2.3).
bool IsCharsetVr(Vr v);
// Text VRs that may hold several values separated by '\' (all but LT, ST, UT, UR).
bool IsMultiValuedStringVr(Vr v);
// Binary VRs that go to InlineBinary / BulkDataURI in DICOM JSON.
bool IsBulkVr(Vr v);
// Byte-swapping unit of a value in a big-endian encoding (1: no swapping).
int SwapUnit(Vr v);
std::string VrString(Vr v);

}  // namespace dokuei::dicom::internal
