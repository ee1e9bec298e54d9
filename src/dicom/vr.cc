#include "vr.h"

namespace dokuei::dicom::internal {

bool IsKnownVr(Vr v) {
  using namespace vr;
  switch (v) {
    case kAE:
    case kAS:
    case kAT:
    case kCS:
    case kDA:
    case kDS:
    case kDT:
    case kFD:
    case kFL:
    case kIS:
    case kLO:
    case kLT:
    case kOB:
    case kOD:
    case kOF:
    case kOL:
    case kOV:
    case kOW:
    case kPN:
    case kSH:
    case kSL:
    case kSQ:
    case kSS:
    case kST:
    case kSV:
    case kTM:
    case kUC:
    case kUI:
    case kUL:
    case kUN:
    case kUR:
    case kUS:
    case kUT:
    case kUV:
      return true;
    default:
      return false;
  }
}

bool HasLongLength(Vr v) {
  using namespace vr;
  switch (v) {
    case kOB:
    case kOD:
    case kOF:
    case kOL:
    case kOV:
    case kOW:
    case kSQ:
    case kSV:
    case kUC:
    case kUN:
    case kUR:
    case kUT:
    case kUV:
      return true;
    default:
      return false;
  }
}

bool IsStringVr(Vr v) {
  using namespace vr;
  switch (v) {
    case kAE:
    case kAS:
    case kCS:
    case kDA:
    case kDS:
    case kDT:
    case kIS:
    case kLO:
    case kLT:
    case kPN:
    case kSH:
    case kST:
    case kTM:
    case kUC:
    case kUI:
    case kUR:
    case kUT:
      return true;
    default:
      return false;
  }
}

bool IsCharsetVr(Vr v) {
  using namespace vr;
  return v == kSH || v == kLO || v == kST || v == kLT || v == kPN || v == kUC || v == kUT;
}

bool IsMultiValuedStringVr(Vr v) {
  using namespace vr;
  return IsStringVr(v) && v != kLT && v != kST && v != kUT && v != kUR;
}

bool IsBulkVr(Vr v) {
  using namespace vr;
  return v == kOB || v == kOD || v == kOF || v == kOL || v == kOV || v == kOW || v == kUN;
}

int SwapUnit(Vr v) {
  using namespace vr;
  switch (v) {
    case kUS:
    case kSS:
    case kOW:
    case kAT:
      return 2;
    case kUL:
    case kSL:
    case kFL:
    case kOF:
    case kOL:
      return 4;
    case kFD:
    case kOD:
    case kSV:
    case kUV:
    case kOV:
      return 8;
    default:
      return 1;
  }
}

std::string VrString(Vr v) {
  return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
}

}  // namespace dokuei::dicom::internal
