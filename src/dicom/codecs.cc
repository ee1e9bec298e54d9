// Frame decoders: RLE (our own, bounded), JPEG and JPEG-LS (DCMTK dcmjpeg/dcmjpls on a one-frame
// pixel sequence built from our fragment assignment), JPEG 2000 and HTJ2K (OpenJPEG from memory).
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dccodec.h>
#include <dcmtk/dcmdata/dcdatset.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>
#include <openjpeg.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "frames.h"

namespace dokuei::dicom::internal {
namespace {

base::Status CodecError(std::string message) {
  return base::InvalidArgument(std::move(message), "PixelData");
}

DecodedFrame MakeFrame(const PixelInfo& px, std::string bytes, std::string photometric) {
  DecodedFrame f;
  f.bytes = std::move(bytes);
  f.photometric = std::move(photometric);
  f.planar_configuration = 0;
  f.bits_allocated = px.bits_allocated;
  return f;
}

// ---- RLE (PS3.5 G) --------------------------------------------------------------------------

uint32_t Le32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// PackBits-decodes [in, in_end) into exactly `n` bytes written with `stride` into `out`.
bool UnpackBits(const uint8_t* in, const uint8_t* in_end, uint8_t* out, size_t n, size_t stride) {
  size_t produced = 0;
  while (produced < n && in < in_end) {
    const auto control = static_cast<int8_t>(*in++);
    if (control >= 0) {
      size_t count = static_cast<size_t>(control) + 1;
      if (count > static_cast<size_t>(in_end - in) || count > n - produced) return false;
      for (size_t k = 0; k < count; ++k) out[(produced++) * stride] = *in++;
    } else if (control != -128) {
      size_t count = static_cast<size_t>(1 - control);
      if (in >= in_end || count > n - produced) return false;
      const uint8_t v = *in++;
      for (size_t k = 0; k < count; ++k) out[(produced++) * stride] = v;
    }
  }
  return produced == n;
}

// ---- OpenJPEG memory stream -------------------------------------------------------------------

struct MemoryStream {
  const uint8_t* data;
  OPJ_SIZE_T size;
  OPJ_SIZE_T pos;
};

OPJ_SIZE_T StreamRead(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (s->pos >= s->size) return static_cast<OPJ_SIZE_T>(-1);
  const OPJ_SIZE_T k = std::min(n, s->size - s->pos);
  std::memcpy(buffer, s->data + s->pos, k);
  s->pos += k;
  return k;
}

OPJ_OFF_T StreamSkip(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (n < 0) {
    const auto back = static_cast<OPJ_SIZE_T>(-n);
    if (back > s->pos) return -1;
    s->pos -= back;
    return n;
  }
  const OPJ_SIZE_T k = std::min(static_cast<OPJ_SIZE_T>(n), s->size - s->pos);
  s->pos += k;
  return static_cast<OPJ_OFF_T>(k);
}

OPJ_BOOL StreamSeek(OPJ_OFF_T n, void* user) {
  auto* s = static_cast<MemoryStream*>(user);
  if (n < 0 || static_cast<OPJ_SIZE_T>(n) > s->size) return OPJ_FALSE;
  s->pos = static_cast<OPJ_SIZE_T>(n);
  return OPJ_TRUE;
}

void OpjError(const char* msg, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->empty()) *out = msg;
  while (!out->empty() && (out->back() == '\n' || out->back() == ' ')) out->pop_back();
}
void OpjQuiet(const char*, void*) {}

// Precision of a JPEG stream from its SOF marker (0 if none found).
int JpegPrecision(std::string_view data) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  const size_t n = data.size();
  for (size_t i = 0; i + 4 < n; ++i) {
    if (p[i] != 0xFF) continue;
    const uint8_t m = p[i + 1];
    if ((m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) || m == 0xF7) {
      return p[i + 4];
    }
  }
  return 0;
}

void RegisterDcmtkCodecs() {
  static std::once_flag once;
  std::call_once(once, [] {
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
  });
}

}  // namespace

base::Result<DecodedFrame> DecodeRle(std::string_view frame, const PixelInfo& px) {
  const auto* p = reinterpret_cast<const uint8_t*>(frame.data());
  if (frame.size() < 64) return CodecError("RLE frame is shorter than its 64-byte header");
  const uint32_t segments = Le32(p);
  const uint32_t bytes_per_sample = px.bits_allocated / 8;
  const uint32_t expected = px.samples_per_pixel * bytes_per_sample;
  if (segments != expected || segments > 15) {
    return CodecError("RLE frame has " + std::to_string(segments) + " segments; " +
                      std::to_string(expected) + " expected");
  }
  uint32_t offsets[16];
  for (uint32_t s = 0; s < segments; ++s) {
    offsets[s] = Le32(p + 4 + 4 * s);
    if (offsets[s] < 64 || offsets[s] > frame.size() || (s > 0 && offsets[s] <= offsets[s - 1]))
      return CodecError("RLE segment offset table is invalid");
  }
  const size_t pixels = static_cast<size_t>(px.rows) * px.columns;
  std::string out(pixels * expected, '\0');
  auto* dst = reinterpret_cast<uint8_t*>(out.data());
  for (uint32_t s = 0; s < segments; ++s) {
    const uint32_t sample = s / bytes_per_sample;
    const uint32_t byte_from_msb = s % bytes_per_sample;
    const size_t start =
        static_cast<size_t>(sample) * bytes_per_sample + (bytes_per_sample - 1 - byte_from_msb);
    const uint8_t* in = p + offsets[s];
    const uint8_t* in_end = p + (s + 1 < segments ? offsets[s + 1] : frame.size());
    if (!UnpackBits(in, in_end, dst + start, pixels, expected)) {
      return CodecError("RLE segment " + std::to_string(s + 1) + " does not decode to " +
                        std::to_string(pixels) + " bytes");
    }
  }
  return MakeFrame(px, std::move(out), px.photometric_interpretation);
}

base::Result<DecodedFrame> DecodeDcmtk(std::string_view frame, const PixelInfo& px,
                                       std::string_view ts_uid) {
  RegisterDcmtkCodecs();
  DcmXfer xfer(std::string(ts_uid).c_str());
  if (xfer.getXfer() == EXS_Unknown) {
    return base::Unsupported("DCMTK does not know transfer syntax " + std::string(ts_uid),
                             "TransferSyntaxUID");
  }
  DcmDataset ds;
  ds.putAndInsertUint16(DCM_SamplesPerPixel, px.samples_per_pixel);
  ds.putAndInsertUint16(DCM_Rows, px.rows);
  ds.putAndInsertUint16(DCM_Columns, px.columns);
  ds.putAndInsertUint16(DCM_BitsAllocated, px.bits_allocated);
  ds.putAndInsertUint16(DCM_BitsStored, px.bits_stored);
  ds.putAndInsertUint16(DCM_HighBit, px.high_bit);
  ds.putAndInsertUint16(DCM_PixelRepresentation, px.pixel_representation);
  ds.putAndInsertString(DCM_PhotometricInterpretation,
                        px.photometric_interpretation.empty()
                            ? (px.samples_per_pixel == 1 ? "MONOCHROME2" : "RGB")
                            : px.photometric_interpretation.c_str());
  if (px.samples_per_pixel > 1) ds.putAndInsertUint16(DCM_PlanarConfiguration, 0);
  ds.putAndInsertString(DCM_NumberOfFrames, "1");

  DcmPixelSequence seq(DCM_PixelSequenceTag);
  seq.insert(new DcmPixelItem(DCM_PixelItemTag));
  auto* item = new DcmPixelItem(DCM_PixelItemTag);
  std::string data(frame);
  if (data.size() & 1) data.push_back('\0');
  item->putUint8Array(reinterpret_cast<const Uint8*>(data.data()),
                      static_cast<unsigned long>(data.size()));
  seq.insert(item);

  const int precision = xfer.getXfer() == EXS_JPEGLSLossless || xfer.getXfer() == EXS_JPEGLSLossy
                            ? px.bits_allocated
                            : JpegPrecision(frame);
  if (precision == 0) return CodecError("JPEG frame has no start-of-frame marker");
  const uint32_t out_bytes_per_sample = precision > 8 ? 2 : 1;
  if (out_bytes_per_sample * 8 > px.bits_allocated) {
    return CodecError("JPEG precision " + std::to_string(precision) +
                      " does not fit BitsAllocated " + std::to_string(px.bits_allocated));
  }
  const size_t samples = static_cast<size_t>(px.rows) * px.columns * px.samples_per_pixel;
  std::string buffer(samples * out_bytes_per_sample, '\0');
  Uint32 start_fragment = 0;
  OFString color_model;
  OFCondition c =
      DcmCodecList::decodeFrame(xfer, nullptr, &seq, &ds, 0, start_fragment, buffer.data(),
                                static_cast<Uint32>(buffer.size()), color_model);
  if (c.bad()) return CodecError(std::string("cannot decode frame: ") + c.text());
  if (out_bytes_per_sample == 1 && px.bits_allocated == 16) {
    std::string wide(samples * 2, '\0');
    for (size_t i = 0; i < samples; ++i) wide[2 * i] = buffer[i];
    buffer.swap(wide);
  }
  return MakeFrame(px, std::move(buffer),
                   color_model.empty() ? px.photometric_interpretation : color_model.c_str());
}

base::Result<DecodedFrame> DecodeOpenJpeg(std::string_view frame, const PixelInfo& px) {
  MemoryStream ms{reinterpret_cast<const uint8_t*>(frame.data()), frame.size(), 0};
  const bool jp2 = frame.size() >= 12 && std::memcmp(frame.data() + 4, "jP  ", 4) == 0;
  opj_codec_t* codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
  opj_stream_t* stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
  opj_image_t* image = nullptr;
  struct Cleanup {
    opj_codec_t*& codec;
    opj_stream_t*& stream;
    opj_image_t*& image;
    ~Cleanup() {
      if (image) opj_image_destroy(image);
      if (stream) opj_stream_destroy(stream);
      if (codec) opj_destroy_codec(codec);
    }
  } cleanup{codec, stream, image};
  if (codec == nullptr || stream == nullptr)
    return base::Internal("OpenJPEG initialisation failed");
  std::string error;
  opj_set_error_handler(codec, OpjError, &error);
  opj_set_warning_handler(codec, OpjQuiet, nullptr);
  opj_set_info_handler(codec, OpjQuiet, nullptr);
  opj_stream_set_user_data(stream, &ms, nullptr);
  opj_stream_set_user_data_length(stream, ms.size);
  opj_stream_set_read_function(stream, StreamRead);
  opj_stream_set_skip_function(stream, StreamSkip);
  opj_stream_set_seek_function(stream, StreamSeek);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  if (!opj_setup_decoder(codec, &params)) return base::Internal("OpenJPEG setup failed");
  if (!opj_read_header(stream, codec, &image) || image == nullptr) {
    return CodecError("JPEG 2000 header is invalid: " + error);
  }
  // Check the code stream against the data set before OpenJPEG allocates anything for it.
  if (image->numcomps != px.samples_per_pixel || image->x1 - image->x0 != px.columns ||
      image->y1 - image->y0 != px.rows) {
    return CodecError("JPEG 2000 code stream is " + std::to_string(image->x1 - image->x0) + "x" +
                      std::to_string(image->y1 - image->y0) + " with " +
                      std::to_string(image->numcomps) + " components; the data set says " +
                      std::to_string(px.columns) + "x" + std::to_string(px.rows) + " with " +
                      std::to_string(px.samples_per_pixel));
  }
  for (OPJ_UINT32 c = 0; c < image->numcomps; ++c) {
    const opj_image_comp_t& comp = image->comps[c];
    if (comp.dx != 1 || comp.dy != 1 || comp.prec == 0 || comp.prec > px.bits_allocated ||
        comp.prec > 16) {
      return CodecError("JPEG 2000 component " + std::to_string(c) +
                        " has subsampling or a precision that does not fit BitsAllocated");
    }
  }
  if (!opj_decode(codec, stream, image) || !opj_end_decompress(codec, stream)) {
    return CodecError("JPEG 2000 decoding failed: " + error);
  }
  const size_t pixels = static_cast<size_t>(px.rows) * px.columns;
  const size_t spp = px.samples_per_pixel;
  const size_t bps = px.bits_allocated / 8;
  for (OPJ_UINT32 c = 0; c < image->numcomps; ++c) {
    if (image->comps[c].data == nullptr || image->comps[c].w != px.columns ||
        image->comps[c].h != px.rows)
      return CodecError("JPEG 2000 decoding produced no data for component " + std::to_string(c));
  }
  std::string out(pixels * spp * bps, '\0');
  auto* dst = reinterpret_cast<uint8_t*>(out.data());
  for (size_t c = 0; c < spp; ++c) {
    const OPJ_INT32* src = image->comps[c].data;
    for (size_t i = 0; i < pixels; ++i) {
      const uint32_t v = static_cast<uint32_t>(src[i]);
      uint8_t* d = dst + (i * spp + c) * bps;
      d[0] = static_cast<uint8_t>(v);
      if (bps == 2) d[1] = static_cast<uint8_t>(v >> 8);
    }
  }
  // A multiple component transform in the code stream has been undone by OpenJPEG.
  std::string photometric = px.photometric_interpretation;
  if (photometric == "YBR_ICT" || photometric == "YBR_RCT") photometric = "RGB";
  return MakeFrame(px, std::move(out), photometric);
}

}  // namespace dokuei::dicom::internal
