// Transcode to Explicit VR Little Endian: DCMTK reads the data set without its Pixel Data (in the
// data set's own encoding, after our bounded walk and inflate), we insert the decoded native
// pixels, DCMTK writes Explicit VR LE, and our File Meta Information goes in front.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dcpixel.h>

#include <algorithm>
#include <vector>

#include "dokuei/base/strings.h"
#include "dokuei/dicom/parse.h"
#include "dokuei/dicom/pixels.h"
#include "frames.h"

namespace dokuei::dicom {
namespace {

using internal::DecodedObject;

base::Status FromCondition(const OFCondition& c, std::string_view what) {
  return base::Internal(std::string(what) + ": " + c.text());
}

// Native little-endian pixel bytes for the whole object, and the image pixel attributes to set.
struct NativePixels {
  std::string bytes;
  std::string photometric;
  bool converted = false;  // decoded from an encapsulated syntax
};

base::Result<NativePixels> NativePixelData(const DecodedObject& obj) {
  NativePixels out;
  const PixelInfo& px = obj.pixel;
  const internal::Element& pd = *obj.pixel_data;
  if (!pd.encapsulated) {
    std::string_view raw = internal::ValueBytes(obj.walk, pd);
    out.bytes.assign(raw);
    const int unit = internal::SwapUnit(pd.vr);
    if (pd.big_endian && unit > 1) {
      for (size_t i = 0; i + unit <= out.bytes.size(); i += unit)
        std::reverse(out.bytes.begin() + i, out.bytes.begin() + i + unit);
    }
    out.photometric = px.photometric_interpretation;
    return out;
  }
  const uint64_t total = internal::DecodedFrameBytes(px) * px.number_of_frames;
  if (total > Limits{}.max_element_bytes) {
    return base::PayloadTooLarge(
        "decompressed Pixel Data would have " + std::to_string(total) + " bytes", "PixelData");
  }
  out.bytes.reserve(static_cast<size_t>(total + 1));
  out.converted = true;
  for (uint32_t f = 0; f < px.number_of_frames; ++f) {
    DOKUEI_ASSIGN_OR_RETURN(internal::DecodedFrame frame, internal::DecodeFrame(obj, f));
    out.bytes += frame.bytes;
    out.photometric = frame.photometric;
  }
  if (out.bytes.size() & 1) out.bytes.push_back('\0');
  return out;
}

}  // namespace

base::Result<std::string> Transcode(std::span<const uint8_t> file, std::string_view target_ts) {
  if (base::Trim(target_ts) != internal::kExplicitVrLittleEndian) {
    return base::Unsupported("transcoding to " + std::string(target_ts) + " is not supported",
                             "TransferSyntaxUID");
  }
  internal::FileMeta meta;
  DecodedObject obj;
  DOKUEI_RETURN_IF_ERROR(internal::OpenPart10(file, &meta, &obj));
  const auto bytes = obj.walk.bytes;
  std::string rest;
  if (obj.pixel_data != nullptr) {
    rest.assign(reinterpret_cast<const char*>(bytes.data()), obj.pixel_data->header_offset);
    rest.append(reinterpret_cast<const char*>(bytes.data() + obj.pixel_data->end),
                bytes.size() - obj.pixel_data->end);
  } else {
    rest.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  const E_TransferSyntax base_xfer = !obj.ts->explicit_vr ? EXS_LittleEndianImplicit
                                     : obj.ts->big_endian ? EXS_BigEndianExplicit
                                                          : EXS_LittleEndianExplicit;
  DcmDataset ds;
  {
    DcmInputBufferStream in;
    in.setBuffer(rest.data(), static_cast<offile_off_t>(rest.size()));
    in.setEos();
    ds.transferInit();
    OFCondition c = ds.read(in, base_xfer, EGL_noChange, DCM_MaxReadLength);
    ds.transferEnd();
    if (c.bad()) return FromCondition(c, "cannot read data set");
  }
  if (obj.pixel_data != nullptr) {
    DOKUEI_ASSIGN_OR_RETURN(NativePixels native, NativePixelData(obj));
    const bool words = obj.pixel_data->encapsulated ? obj.pixel.bits_allocated > 8
                                                    : obj.pixel_data->vr == internal::vr::kOW;
    auto* pixel = new DcmPixelData(DcmTag(DCM_PixelData, words ? EVR_OW : EVR_OB));
    OFCondition c =
        words ? pixel->putUint16Array(reinterpret_cast<const Uint16*>(native.bytes.data()),
                                      static_cast<unsigned long>(native.bytes.size() / 2))
              : pixel->putUint8Array(reinterpret_cast<const Uint8*>(native.bytes.data()),
                                     static_cast<unsigned long>(native.bytes.size()));
    if (c.good())
      c = ds.insert(pixel, OFTrue);
    else
      delete pixel;
    if (c.bad()) return FromCondition(c, "cannot set Pixel Data");
    if (native.converted) {
      ds.putAndInsertString(DCM_PhotometricInterpretation, native.photometric.c_str());
      if (obj.pixel.samples_per_pixel > 1) ds.putAndInsertUint16(DCM_PlanarConfiguration, 0);
      delete ds.remove(DCM_ExtendedOffsetTable);
      delete ds.remove(DCM_ExtendedOffsetTableLengths);
      if (obj.ts->lossy) ds.putAndInsertString(DCM_LossyImageCompression, "01");
    }
  }
  const std::string sop_class =
      internal::FindString(obj.walk, obj.walk.elements, tags::kSOPClassUID)
          .value_or(meta.media_storage_sop_class_uid);
  const std::string sop_instance =
      internal::FindString(obj.walk, obj.walk.elements, tags::kSOPInstanceUID)
          .value_or(meta.media_storage_sop_instance_uid);
  std::string out = BuildFileMeta(sop_class, sop_instance, internal::kExplicitVrLittleEndian,
                                  meta.source_ae_title);
  std::vector<char> buffer(1 << 20);
  DcmOutputBufferStream os(buffer.data(), static_cast<offile_off_t>(buffer.size()));
  ds.transferInit();
  OFCondition c;
  do {
    c = ds.write(os, EXS_LittleEndianExplicit, EET_ExplicitLength, nullptr, EGL_recalcGL);
    void* chunk = nullptr;
    offile_off_t length = 0;
    os.flushBuffer(chunk, length);
    out.append(static_cast<const char*>(chunk), static_cast<size_t>(length));
  } while (c == EC_StreamNotifyClient);
  ds.transferEnd();
  if (c.bad()) return FromCondition(c, "cannot write data set");
  return out;
}

}  // namespace dokuei::dicom
