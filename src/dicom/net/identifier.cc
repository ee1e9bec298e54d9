#include "net/identifier.h"

#include <cstring>

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dcdatset.h"
#include "dcmtk/dcmdata/dcdeftag.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcitem.h"
#include "dcmtk/dcmdata/dcostrmb.h"
#include "dcmtk/dcmdata/dcsequen.h"
#include "dcmtk/dcmdata/dcvrcs.h"
#include "dcmtk/dcmdata/dcxfer.h"
#include "dokuei/dicom/charset.h"
#include "walker.h"

namespace dokuei::dicom::net {
namespace {

bool IsUncompressed(E_TransferSyntax x) {
  return x == EXS_LittleEndianImplicit || x == EXS_LittleEndianExplicit ||
         x == EXS_BigEndianExplicit;
}

bool IsAscii(const std::string& s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

bool AllAscii(const AttributeList& list) {
  for (const auto& a : list) {
    for (const auto& v : a.values) {
      if (!IsAscii(v)) return false;
    }
    for (const auto& item : a.items) {
      if (!AllAscii(item)) return false;
    }
  }
  return true;
}

bool IsCharsetVr(const std::string& vr);

std::string TrimSpaces(std::string v, bool leading) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\0')) v.pop_back();
  size_t start = 0;
  while (leading && start < v.size() && v[start] == ' ') ++start;
  return v.substr(start);
}

// Reads item into out; text values of character-set VRs are decoded from `charset` to UTF-8
// (whole value first, since ISO 2022 multi-byte codes may contain 0x5C, then split on '\').
base::Status ReadItem(DcmItem& item, const std::string& charset, AttributeList* out, int depth) {
  for (unsigned long i = 0; i < item.card(); ++i) {
    DcmElement* e = item.getElement(i);
    if (e == nullptr) continue;
    const DcmTag& t = e->getTag();
    if (t.getElement() == 0x0000) continue;  // group lengths
    Attribute a;
    a.tag = Tag(t.getGTag(), t.getETag());
    a.vr = DcmVR(e->getVR()).getVRName();
    if (e->ident() == EVR_SQ) {
      auto* sq = static_cast<DcmSequenceOfItems*>(e);
      if (depth < 8) {
        for (unsigned long k = 0; k < sq->card(); ++k) {
          AttributeList sub;
          DOKUEI_RETURN_IF_ERROR(ReadItem(*sq->getItem(k), charset, &sub, depth + 1));
          a.items.push_back(std::move(sub));
        }
      }
    } else if (IsCharsetVr(a.vr) && e->getLength() > 0) {
      char* raw = nullptr;
      Uint32 len = 0;
      if (e->getString(raw, len).good() && raw != nullptr) {
        std::string value(raw, len);
        bool single = a.vr == "ST" || a.vr == "LT" || a.vr == "UT";
        if (!charset.empty()) {
          auto decoded = DecodeToUtf8(value, charset, a.vr == "PN");
          if (!decoded.ok()) {
            return base::InvalidArgument("cannot decode (" + TagHex(a.tag).substr(0, 4) + "," +
                                             TagHex(a.tag).substr(4) +
                                             ") in its SpecificCharacterSet",
                                         KeywordForTag(a.tag));
          }
          value = std::move(decoded).value();
        }
        if (single) {
          a.values.push_back(TrimSpaces(value, false));
        } else {
          size_t start = 0;
          for (;;) {
            size_t bs = value.find('\\', start);
            a.values.push_back(TrimSpaces(value.substr(start, bs - start), true));
            if (bs == std::string::npos) break;
            start = bs + 1;
          }
        }
      }
    } else if (e->isaString() || e->getVR() == EVR_US || e->getVR() == EVR_UL ||
               e->getVR() == EVR_SS || e->getVR() == EVR_SL || e->getVR() == EVR_FL ||
               e->getVR() == EVR_FD || e->getVR() == EVR_AT) {
      unsigned long vm = e->getVM();
      if (e->getLength() > 0) {
        for (unsigned long k = 0; k < vm; ++k) {
          OFString v;
          if (e->getOFString(v, k, OFTrue).good()) a.values.emplace_back(v.c_str(), v.length());
        }
      }
    }  // binary values carry nothing a query can use: kept as a key without value
    out->push_back(std::move(a));
  }
  return base::Status::Ok();
}

bool IsCharsetVr(const std::string& vr) {
  return vr == "SH" || vr == "LO" || vr == "ST" || vr == "LT" || vr == "UT" || vr == "PN" ||
         vr == "UC";
}

// Encodes every text value of `list` in `charset`; false if one cannot be represented.
bool EncodeList(const AttributeList& list, const std::string& charset, AttributeList* out) {
  out->clear();
  for (const auto& a : list) {
    Attribute e = a;
    std::string vr = a.vr.empty() ? VrForTag(a.tag) : a.vr;
    if (IsCharsetVr(vr)) {
      for (auto& v : e.values) {
        if (IsAscii(v)) continue;
        auto enc = EncodeFromUtf8(v, charset, vr == "PN");
        if (!enc.ok()) return false;
        v = std::move(enc).value();
      }
    }
    for (size_t i = 0; i < a.items.size(); ++i) {
      if (!EncodeList(a.items[i], charset, &e.items[i])) return false;
    }
    out->push_back(std::move(e));
  }
  return true;
}

}  // namespace

const char* LevelName(QueryLevel level) {
  switch (level) {
    case QueryLevel::kPatient:
      return "PATIENT";
    case QueryLevel::kStudy:
      return "STUDY";
    case QueryLevel::kSeries:
      return "SERIES";
    case QueryLevel::kImage:
      return "IMAGE";
  }
  return "STUDY";
}

base::Result<std::unique_ptr<DcmDataset>> ParseSmallDataSet(std::string_view bytes,
                                                            const std::string& ts_uid) {
  DcmXfer xfer(ts_uid.c_str());
  E_TransferSyntax xs = xfer.getXfer();
  if (!IsUncompressed(xs)) return base::Unsupported("identifier transfer syntax not supported");
  // Bounds first: every length checked against the bytes present before DCMTK allocates.
  internal::WalkOptions wo;
  wo.encoding.explicit_vr = xs != EXS_LittleEndianImplicit;
  wo.encoding.big_endian = xs == EXS_BigEndianExplicit;
  Limits limits;
  limits.max_object_bytes = kMaxActionInfoBytes;
  limits.max_element_bytes = kMaxActionInfoBytes;
  limits.max_depth = 8;
  internal::Walk walk;
  std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  base::Status ws = internal::WalkDataset(span, wo, limits, &walk);
  if (!ws.ok()) return base::InvalidArgument("malformed data set: " + ws.message(), ws.field());

  auto ds = std::make_unique<DcmDataset>();
  DcmInputBufferStream in;
  in.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
  in.setEos();
  ds->transferInit();
  OFCondition c = ds->read(in, xs, EGL_noChange);
  ds->transferEnd();
  if (c.bad()) return base::InvalidArgument(std::string("malformed data set: ") + c.text());
  return ds;
}

base::Result<std::string> WriteDataSet(DcmDataset& dataset, const std::string& ts_uid) {
  E_TransferSyntax xs = DcmXfer(ts_uid.c_str()).getXfer();
  if (!IsUncompressed(xs)) return base::Unsupported("identifier transfer syntax not supported");
  Uint32 len = dataset.calcElementLength(xs, EET_ExplicitLength);
  std::string out(len + 16, '\0');
  DcmOutputBufferStream os(out.data(), static_cast<offile_off_t>(out.size()));
  dataset.transferInit();
  OFCondition c = dataset.write(os, xs, EET_ExplicitLength, nullptr);
  dataset.transferEnd();
  if (c.bad()) return base::Internal(std::string("encoding data set: ") + c.text());
  void* buf = nullptr;
  offile_off_t n = 0;
  os.flushBuffer(buf, n);
  out.resize(static_cast<size_t>(n));
  return out;
}

base::Result<QueryIdentifier> DecodeIdentifier(DcmDataset& dataset, QueryModel model,
                                               std::string* query_charset, uint16_t* failure) {
  *failure = 0xC000;
  OFString charset;
  if (dataset.findAndGetOFStringArray(DCM_SpecificCharacterSet, charset).good()) {
    *query_charset = charset.c_str();
  } else {
    query_charset->clear();
  }
  if (!query_charset->empty()) {
    // Reject unknown terms up front with a clear comment.
    auto probe = DecodeToUtf8("", *query_charset, false);
    if (!probe.ok()) {
      return base::Unsupported("SpecificCharacterSet (0008,0005) not supported",
                               "SpecificCharacterSet");
    }
  }
  QueryIdentifier id;
  id.model = model;
  OFString level;
  dataset.findAndGetOFString(DCM_QueryRetrieveLevel, level);
  if (level == "PATIENT" && model == QueryModel::kPatientRoot) {
    id.level = QueryLevel::kPatient;
  } else if (level == "STUDY") {
    id.level = QueryLevel::kStudy;
  } else if (level == "SERIES") {
    id.level = QueryLevel::kSeries;
  } else if (level == "IMAGE") {
    id.level = QueryLevel::kImage;
  } else {
    *failure = 0xA900;
    return base::InvalidArgument(level.empty() ? "QueryRetrieveLevel (0008,0052) missing"
                                               : "QueryRetrieveLevel (0008,0052) invalid",
                                 "QueryRetrieveLevel");
  }
  AttributeList all;
  base::Status read = ReadItem(dataset, *query_charset, &all, 0);
  if (!read.ok()) return read;
  for (auto& a : all) {
    if (a.tag == tags::kSpecificCharacterSet || a.tag == tags::kQueryRetrieveLevel) continue;
    id.keys.push_back(std::move(a));
  }
  return id;
}

base::Status FillItem(DcmItem& item, const AttributeList& attributes) {
  for (const auto& a : attributes) {
    DcmTag tag(GroupOf(a.tag), ElementOf(a.tag));
    if (!a.vr.empty() && a.vr != "UN") tag.setVR(DcmVR(a.vr.c_str()));
    if (tag.getEVR() == EVR_SQ || !a.items.empty()) {
      tag.setVR(DcmVR(EVR_SQ));
      auto* sq = new DcmSequenceOfItems(tag);
      for (const auto& sub : a.items) {
        auto* it = new DcmItem();
        DOKUEI_RETURN_IF_ERROR(FillItem(*it, sub));
        sq->append(it);
      }
      item.insert(sq, OFTrue);
      continue;
    }
    DcmElement* e = nullptr;
    if (DcmItem::newDicomElement(e, tag).bad() || e == nullptr) continue;
    std::string joined;
    for (size_t i = 0; i < a.values.size(); ++i) {
      if (i) joined += '\\';
      joined += a.values[i];
    }
    if (!joined.empty()) e->putString(joined.c_str(), static_cast<Uint32>(joined.size()));
    if (item.insert(e, OFTrue).bad()) delete e;
  }
  return base::Status::Ok();
}

base::Result<std::string> EncodeMatch(const AttributeList& match, QueryLevel level,
                                      const std::string& retrieve_ae,
                                      const std::string& query_charset, const std::string& ts_uid) {
  // Answer in the query's character set when it can represent every value, else in UTF-8.
  const AttributeList* values = &match;
  AttributeList encoded;
  std::string charset = query_charset;
  if (!AllAscii(match) && query_charset != "ISO_IR 192") {
    if (!query_charset.empty() && EncodeList(match, query_charset, &encoded)) {
      values = &encoded;
    } else {
      charset = "ISO_IR 192";
    }
  }
  DcmDataset ds;
  DOKUEI_RETURN_IF_ERROR(FillItem(ds, *values));
  ds.putAndInsertString(DCM_QueryRetrieveLevel, LevelName(level));
  ds.putAndInsertString(DCM_RetrieveAETitle, retrieve_ae.c_str());
  delete ds.remove(DCM_SpecificCharacterSet);
  if (!charset.empty()) ds.putAndInsertString(DCM_SpecificCharacterSet, charset.c_str());
  return WriteDataSet(ds, ts_uid);
}

}  // namespace dokuei::dicom::net
