#include "dokuei/dicom/dataset_writer.h"

// clang-format off
#include <dcmtk/config/osconfig.h>
// clang-format on
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcitem.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dcsequen.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <vector>

namespace dokuei::dicom {
namespace {

DcmTagKey Key(uint32_t tag) {
  return DcmTagKey(static_cast<uint16_t>(tag >> 16), static_cast<uint16_t>(tag & 0xFFFF));
}

std::string TagLabel(DcmTag tag) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "(%04X,%04X)", tag.getGTag(), tag.getETag());
  const char* name = tag.getTagName();
  if (name != nullptr && std::string_view(name) != DcmTag_ERROR_TagName) return name;
  return buf;
}

bool IsStringVr(DcmEVR vr) {
  switch (vr) {
    case EVR_AE:
    case EVR_AS:
    case EVR_CS:
    case EVR_DA:
    case EVR_DS:
    case EVR_DT:
    case EVR_IS:
    case EVR_LO:
    case EVR_LT:
    case EVR_PN:
    case EVR_SH:
    case EVR_ST:
    case EVR_TM:
    case EVR_UC:
    case EVR_UI:
    case EVR_UR:
    case EVR_UT:
      return true;
    default:
      return false;
  }
}

bool IsBinaryNumberVr(DcmEVR vr) {
  switch (vr) {
    case EVR_US:
    case EVR_SS:
    case EVR_UL:
    case EVR_SL:
    case EVR_FL:
    case EVR_FD:
    case EVR_SV:
    case EVR_UV:
    case EVR_AT:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string FormatDecimalString(double v) {
  if (v == 0.0 || !std::isfinite(v)) return "0";
  char buf[40];
  for (int precision = 16; precision >= 1; --precision) {
    int n = std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
    if (n > 0 && n <= 16) return std::string(buf, static_cast<size_t>(n));
  }
  return "0";
}

struct DatasetWriter::Impl {
  DcmFileFormat file;
  base::Status status;
  bool inherits_charset = false;  // an Item(): SpecificCharacterSet only for checking values

  DcmDataset& ds() { return *file.getDataset(); }
  void Fail(base::Status s) {
    if (status.ok()) status = std::move(s);
  }
  void Check(const OFCondition& c, const DcmTag& tag, std::string_view what) {
    if (c.good()) return;
    Fail(base::InvalidArgument(std::string(what) + " " + TagLabel(tag) + ": " + c.text(),
                               TagLabel(tag)));
  }
  // Validates the stored value against its VR and value multiplicity "1-n".
  void Validate(const DcmTag& tag) {
    DcmElement* el = nullptr;
    if (ds().findAndGetElement(tag, el).bad() || el == nullptr) return;
    OFCondition c = el->checkValue("1-n");
    if (c.bad()) Check(c, tag, "invalid value for");
  }
};

DatasetWriter::DatasetWriter() : impl_(std::make_unique<Impl>()) {}
DatasetWriter::~DatasetWriter() = default;
DatasetWriter::DatasetWriter(DatasetWriter&&) noexcept = default;
DatasetWriter& DatasetWriter::operator=(DatasetWriter&&) noexcept = default;

DatasetWriter DatasetWriter::Item(std::string_view specific_character_set) {
  DatasetWriter w;
  w.Set(0x00080005, specific_character_set);
  w.impl_->inherits_charset = true;
  return w;
}

const base::Status& DatasetWriter::status() const { return impl_->status; }

DatasetWriter& DatasetWriter::Set(uint32_t tag, std::string_view value) {
  DcmTag dtag(Key(tag));
  const DcmEVR vr = dtag.getEVR();
  if (!IsStringVr(vr) && !IsBinaryNumberVr(vr)) {
    impl_->Fail(base::InvalidArgument(
        "Set() does not support VR " + std::string(dtag.getVRName()) + " of " + TagLabel(dtag),
        TagLabel(dtag)));
    return *this;
  }
  OFCondition c =
      impl_->ds().putAndInsertString(dtag, value.data(), static_cast<Uint32>(value.size()), OFTrue);
  impl_->Check(c, dtag, "cannot set");
  if (c.good() && IsStringVr(vr)) impl_->Validate(dtag);
  return *this;
}

DatasetWriter& DatasetWriter::SetNumbers(uint32_t tag, std::initializer_list<double> values) {
  return SetNumbers(tag, std::span<const double>(values.begin(), values.size()));
}

DatasetWriter& DatasetWriter::SetNumbers(uint32_t tag, std::span<const double> values) {
  DcmTag dtag(Key(tag));
  const DcmEVR vr = dtag.getEVR();
  std::string text;
  char buf[40];
  for (size_t i = 0; i < values.size(); ++i) {
    const double v = values[i];
    if (!std::isfinite(v)) {
      impl_->Fail(base::InvalidArgument("non-finite number for " + TagLabel(dtag), TagLabel(dtag)));
      return *this;
    }
    if (i > 0) text += '\\';
    if (vr == EVR_DS) {
      text += FormatDecimalString(v);
    } else if (vr == EVR_IS || vr == EVR_US || vr == EVR_SS || vr == EVR_UL || vr == EVR_SL ||
               vr == EVR_SV || vr == EVR_UV) {
      std::snprintf(buf, sizeof(buf), "%" PRId64, static_cast<int64_t>(std::llround(v)));
      text += buf;
    } else if (vr == EVR_FL || vr == EVR_FD) {
      std::snprintf(buf, sizeof(buf), "%.17g", v);
      text += buf;
    } else {
      impl_->Fail(base::InvalidArgument("SetNumbers() does not support VR " +
                                            std::string(dtag.getVRName()) + " of " + TagLabel(dtag),
                                        TagLabel(dtag)));
      return *this;
    }
  }
  return Set(tag, text);
}

DatasetWriter& DatasetWriter::SetBytes(uint32_t tag, std::span<const uint8_t> bytes) {
  DcmTag dtag(Key(tag));
  if (dtag.getEVR() != EVR_OB && dtag.getEVR() != EVR_UN) {
    impl_->Fail(base::InvalidArgument("SetBytes() needs VR OB or UN, not " +
                                          std::string(dtag.getVRName()) + " of " + TagLabel(dtag),
                                      TagLabel(dtag)));
    return *this;
  }
  if (bytes.size() > 0xFFFFFFF0ull) {
    impl_->Fail(base::PayloadTooLarge("value above 4 GB", TagLabel(dtag)));
    return *this;
  }
  OFCondition c = impl_->ds().putAndInsertUint8Array(dtag, bytes.data(),
                                                     static_cast<unsigned long>(bytes.size()));
  impl_->Check(c, dtag, "cannot set");
  return *this;
}

DatasetWriter& DatasetWriter::SetSequence(uint32_t tag, std::vector<DatasetWriter> items) {
  DcmTag dtag(Key(tag));
  if (dtag.getEVR() != EVR_SQ) {
    impl_->Fail(base::InvalidArgument("not a sequence: " + TagLabel(dtag), TagLabel(dtag)));
    return *this;
  }
  auto seq = std::make_unique<DcmSequenceOfItems>(dtag);
  for (DatasetWriter& item : items) {
    if (!item.status().ok()) {
      impl_->Fail(item.status().WithContext("item of " + TagLabel(dtag)));
      return *this;
    }
    // DcmItem's copy constructor copies every element of the item's data set.
    auto copy = std::make_unique<DcmItem>(item.impl_->ds());
    if (item.impl_->inherits_charset) copy->findAndDeleteElement(DCM_SpecificCharacterSet);
    OFCondition c = seq->append(copy.get());
    impl_->Check(c, dtag, "cannot append item to");
    if (c.bad()) return *this;
    copy.release();  // owned by seq
  }
  OFCondition c = impl_->ds().insert(seq.get(), OFTrue /*replaceOld*/);
  impl_->Check(c, dtag, "cannot insert");
  if (c.good()) seq.release();  // owned by the data set
  return *this;
}

namespace {

base::Status PixelModule(DcmDataset& ds, uint16_t rows, uint16_t cols, uint32_t frames,
                         size_t count, uint16_t bits_allocated, const PixelOptions& o) {
  const uint16_t bits_stored = o.bits_stored == 0 ? bits_allocated : o.bits_stored;
  if (rows == 0 || cols == 0 || frames == 0 || o.samples_per_pixel == 0) {
    return base::InvalidArgument("empty image", "PixelData");
  }
  if (bits_stored > bits_allocated) {
    return base::InvalidArgument("BitsStored above BitsAllocated", "BitsStored");
  }
  const uint64_t expected = uint64_t{rows} * cols * frames * o.samples_per_pixel;
  if (expected != count) {
    return base::InvalidArgument("pixel count " + std::to_string(count) + " != rows*cols*frames*" +
                                     "samples " + std::to_string(expected),
                                 "PixelData");
  }
  if (expected * (bits_allocated / 8) > 0xFFFFFFF0ull) {
    return base::PayloadTooLarge("pixel data above 4 GB", "PixelData");
  }
  OFCondition c = ds.putAndInsertUint16(DCM_SamplesPerPixel, o.samples_per_pixel);
  if (c.good()) c = ds.putAndInsertString(DCM_PhotometricInterpretation, o.photometric.c_str());
  if (c.good() && frames > 1) {
    c = ds.putAndInsertString(DCM_NumberOfFrames, std::to_string(frames).c_str());
  }
  if (c.good()) c = ds.putAndInsertUint16(DCM_Rows, rows);
  if (c.good()) c = ds.putAndInsertUint16(DCM_Columns, cols);
  if (c.good()) c = ds.putAndInsertUint16(DCM_BitsAllocated, bits_allocated);
  if (c.good()) c = ds.putAndInsertUint16(DCM_BitsStored, bits_stored);
  if (c.good()) c = ds.putAndInsertUint16(DCM_HighBit, static_cast<Uint16>(bits_stored - 1));
  if (c.good()) c = ds.putAndInsertUint16(DCM_PixelRepresentation, o.is_signed ? 1 : 0);
  if (c.good() && o.samples_per_pixel > 1) c = ds.putAndInsertUint16(DCM_PlanarConfiguration, 0);
  if (c.bad()) return base::Internal(std::string("image pixel module: ") + c.text());
  return base::Status::Ok();
}

}  // namespace

DatasetWriter& DatasetWriter::SetPixelData16(uint16_t rows, uint16_t cols, uint32_t frames,
                                             std::span<const uint16_t> pixels,
                                             const PixelOptions& options) {
  base::Status st = PixelModule(impl_->ds(), rows, cols, frames, pixels.size(), 16, options);
  if (!st.ok()) {
    impl_->Fail(std::move(st));
    return *this;
  }
  OFCondition c = impl_->ds().putAndInsertUint16Array(DCM_PixelData, pixels.data(),
                                                      static_cast<unsigned long>(pixels.size()));
  impl_->Check(c, DcmTag(DCM_PixelData), "cannot set");
  return *this;
}

DatasetWriter& DatasetWriter::SetPixelData8(uint16_t rows, uint16_t cols, uint32_t frames,
                                            std::span<const uint8_t> pixels,
                                            const PixelOptions& options) {
  base::Status st = PixelModule(impl_->ds(), rows, cols, frames, pixels.size(), 8, options);
  if (!st.ok()) {
    impl_->Fail(std::move(st));
    return *this;
  }
  OFCondition c = impl_->ds().putAndInsertUint8Array(DCM_PixelData, pixels.data(),
                                                     static_cast<unsigned long>(pixels.size()));
  impl_->Check(c, DcmTag(DCM_PixelData), "cannot set");
  return *this;
}

base::Result<std::string> DatasetWriter::Encode(std::string_view transfer_syntax_uid) const {
  if (!impl_->status.ok()) return impl_->status;
  const std::string ts(transfer_syntax_uid);
  DcmXfer xfer(ts.c_str());
  const E_TransferSyntax ets = xfer.getXfer();
  if (ets == EXS_Unknown || xfer.isEncapsulated()) {
    return base::Unsupported("DatasetWriter writes only uncompressed transfer syntaxes, not " + ts,
                             "TransferSyntaxUID");
  }
  DcmDataset& ds = impl_->ds();
  OFString sop_class, sop_instance;
  if (ds.findAndGetOFString(DCM_SOPClassUID, sop_class).bad() || sop_class.empty()) {
    return base::InvalidArgument("SOPClassUID is required", "SOPClassUID");
  }
  if (ds.findAndGetOFString(DCM_SOPInstanceUID, sop_instance).bad() || sop_instance.empty()) {
    return base::InvalidArgument("SOPInstanceUID is required", "SOPInstanceUID");
  }

  std::string out;
  out.reserve(static_cast<size_t>(ds.calcElementLength(ets, EET_ExplicitLength)) + 512);
  std::vector<char> buffer(1 << 20);
  DcmOutputBufferStream stream(buffer.data(), static_cast<offile_off_t>(buffer.size()));
  auto drain = [&] {
    void* data = nullptr;
    offile_off_t length = 0;
    stream.flushBuffer(data, length);
    if (length > 0) out.append(static_cast<const char*>(data), static_cast<size_t>(length));
  };
  DcmFileFormat& file = impl_->file;
  file.transferInit();
  OFCondition c = EC_Normal;
  do {
    c = file.write(stream, ets, EET_ExplicitLength, /*wcache=*/nullptr, EGL_recalcGL, EPD_noChange,
                   0, 0, 0, EWM_createNewMeta);
    stream.flush();
    drain();
  } while (c == EC_StreamNotifyClient);
  file.transferEnd();
  while (c.good() && !stream.isFlushed()) {
    stream.flush();
    drain();
  }
  if (c.bad()) return base::Internal(std::string("DICOM encoding failed: ") + c.text());
  return out;
}

base::Status DatasetWriter::WriteFile(base::Env& env, const std::string& path,
                                      std::string_view transfer_syntax_uid) const {
  DOKUEI_ASSIGN_OR_RETURN(std::string bytes, Encode(transfer_syntax_uid));
  DOKUEI_ASSIGN_OR_RETURN(std::unique_ptr<base::WritableFile> file, env.NewWritableFile(path));
  DOKUEI_RETURN_IF_ERROR(file->Append(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
  return file->Close();
}

}  // namespace dokuei::dicom
