#include <gtest/gtest.h>

#include "negotiation.h"
#include "params.h"
#include "qido_params.h"

namespace dokuei::dicomweb {
namespace {

namespace t = dicom::tags;
using index::Level;

http::Pairs Q(std::initializer_list<std::pair<const char*, const char*>> list) {
  http::Pairs out;
  for (auto& [k, v] : list) out.emplace_back(k, v);
  return out;
}

const dicom::Attribute* Key(const archive::QueryRequest& r, uint32_t tag) {
  return dicom::Find(r.keys, tag);
}

TEST(QidoParams, KeywordsTagsRangesListsAndControls) {
  auto p = ParseQidoParams(
      {Level::kStudy, "", ""},
      Q({{"PatientName", "山田*"},
         {"00100020", "ID-1"},
         {"StudyDate", "20240101-20240131"},
         {"ModalitiesInStudy", "CT,MR"},
         {"StudyInstanceUID", "1.2.3,1.2.4"},
         {"includefield", "00081030,ReferringPhysicianName"},
         {"includefield", "StudyID"},
         {"fuzzymatching", "true"},
         {"limit", "25"},
         {"offset", "50"},
         {"AccessionNumber", ""}}),
      1000);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto& r = p->request;
  EXPECT_EQ(r.level, Level::kStudy);
  EXPECT_TRUE(r.qido_defaults);
  EXPECT_TRUE(r.fuzzy_names);
  EXPECT_EQ(r.limit, 25u);
  EXPECT_EQ(r.offset, 50u);
  EXPECT_FALSE(p->limit_capped);
  EXPECT_EQ(Key(r, t::kPatientName)->values, std::vector<std::string>{"山田*"});
  EXPECT_EQ(Key(r, t::kPatientID)->values, std::vector<std::string>{"ID-1"});
  EXPECT_EQ(Key(r, t::kStudyDate)->values[0], "20240101-20240131");
  EXPECT_EQ(Key(r, t::kModalitiesInStudy)->values, (std::vector<std::string>{"CT", "MR"}));
  EXPECT_EQ(Key(r, t::kStudyInstanceUID)->values, (std::vector<std::string>{"1.2.3", "1.2.4"}));
  ASSERT_NE(Key(r, t::kAccessionNumber), nullptr);
  EXPECT_TRUE(Key(r, t::kAccessionNumber)->values.empty());
  EXPECT_EQ(r.include, (std::vector<uint32_t>{t::kStudyDescription, t::kReferringPhysicianName,
                                              t::kStudyID}));
}

TEST(QidoParams, ScopeAndSequencesAndLimits) {
  auto p = ParseQidoParams({Level::kInstance, "1.2.3", "1.2.3.4"},
                           Q({{"RequestAttributesSequence.RequestedProcedureID", "RP*"},
                              {"includefield", "all"},
                              {"limit", "5000"}}),
                           1000);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const auto& r = p->request;
  EXPECT_EQ(Key(r, t::kStudyInstanceUID)->values[0], "1.2.3");
  EXPECT_EQ(Key(r, t::kSeriesInstanceUID)->values[0], "1.2.3.4");
  const auto* seq = Key(r, t::kRequestAttributesSequence);
  ASSERT_NE(seq, nullptr);
  ASSERT_EQ(seq->items.size(), 1u);
  EXPECT_EQ(seq->items[0][0].tag, t::kRequestedProcedureID);
  EXPECT_TRUE(r.include_all);
  EXPECT_EQ(r.limit, 1000u);
  EXPECT_TRUE(p->limit_capped);
  auto none = ParseQidoParams({Level::kSeries, "", ""}, {}, 100);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->request.limit, 100u);
  EXPECT_TRUE(none->limit_capped);
}

TEST(QidoParams, ErrorsNameTheParameter) {
  auto field = [](http::Pairs q) {
    return ParseQidoParams({Level::kStudy, "", ""}, q, 100).status().field();
  };
  EXPECT_EQ(field(Q({{"PatientNmae", "x"}})), "PatientNmae");
  EXPECT_EQ(field(Q({{"limit", "0"}})), "limit");
  EXPECT_EQ(field(Q({{"limit", "-1"}})), "limit");
  EXPECT_EQ(field(Q({{"offset", "abc"}})), "offset");
  EXPECT_EQ(field(Q({{"fuzzymatching", "yes"}})), "fuzzymatching");
  EXPECT_EQ(field(Q({{"includefield", "Bogus"}})), "includefield");
  EXPECT_EQ(field(Q({{"StudyInstanceUID", "1.2.x"}})), "StudyInstanceUID");
  EXPECT_EQ(field(Q({{"PatientName", "a"}, {"PatientName", "b"}})), "PatientName");
  EXPECT_EQ(field(Q({{"PatientName.PatientID", "a"}})), "PatientName.PatientID");
  EXPECT_EQ(field(Q({{"_", "123"}})), "_");
  EXPECT_EQ(ParseQidoParams({Level::kSeries, "1..2", ""}, {}, 100).status().field(),
            "StudyInstanceUID");
  // A repeated UID is a list.
  auto p = ParseQidoParams({Level::kStudy, "", ""},
                           Q({{"StudyInstanceUID", "1.2"}, {"StudyInstanceUID", "1.3"}}), 100);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Key(p->request, t::kStudyInstanceUID)->values.size(), 2u);
}

TEST(Negotiation, Instances) {
  std::vector<std::string> j2k = {"1.2.840.10008.1.2.4.90"};
  auto p = NegotiateInstances("", j2k, false);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->multipart);
  EXPECT_FALSE(p->to_explicit_le);
  p = NegotiateInstances("multipart/related; type=\"application/dicom\"; transfer-syntax=*", j2k,
                         false);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->to_explicit_le);
  p = NegotiateInstances(
      "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.1", j2k,
      false);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->to_explicit_le);
  p = NegotiateInstances(
      "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.4.90",
      j2k, false);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->to_explicit_le);
  auto bad = NegotiateInstances(
      "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.4.50",
      j2k, false);
  EXPECT_EQ(bad.status().code(), base::Code::kNotAcceptable);
  EXPECT_EQ(bad.status().field(), "Accept");
  EXPECT_EQ(NegotiateInstances("image/jpeg", j2k, false).status().code(),
            base::Code::kNotAcceptable);
  EXPECT_EQ(NegotiateInstances("application/dicom", j2k, false).status().code(),
            base::Code::kNotAcceptable);
  p = NegotiateInstances("application/dicom", j2k, true);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->multipart);
  EXPECT_EQ(NegotiateInstances("bogus", j2k, true).status().code(),
            base::Code::kInvalidArgument);
}

TEST(Negotiation, Frames) {
  const std::string jls = "1.2.840.10008.1.2.4.80";
  const std::string ele(kExplicitVrLittleEndian);
  // Cornerstone3D / OHIF default.
  auto p = NegotiateFrames("multipart/related; type=application/octet-stream; transfer-syntax=*",
                           jls, true);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->decode);
  EXPECT_EQ(FrameContentType(*p, jls),
            "application/octet-stream; transfer-syntax=1.2.840.10008.1.2.4.80");
  p = NegotiateFrames("multipart/related; type=\"application/octet-stream\"", jls, false);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->decode);
  p = NegotiateFrames("multipart/related; type=\"application/octet-stream\"", ele, false);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->decode);  // already native
  p = NegotiateFrames("multipart/related; type=\"image/jls\"", jls, false);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->part_media_type, "image/jls");
  EXPECT_FALSE(p->decode);
  EXPECT_EQ(NegotiateFrames("multipart/related; type=\"image/jp2\"", jls, false).status().code(),
            base::Code::kNotAcceptable);
  p = NegotiateFrames(
      "multipart/related; type=\"image/jp2\", multipart/related; "
      "type=\"application/octet-stream\";q=0.5",
      jls, false);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->decode);
  p = NegotiateFrames("multipart/related; type=\"image/x-dicom-rle\"", "1.2.840.10008.1.2.5",
                      false);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->part_media_type, "image/dicom-rle");
  p = NegotiateFrames("application/octet-stream", jls, true);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->multipart);
  EXPECT_FALSE(NegotiateFrames("application/octet-stream", jls, false).ok());
  p = NegotiateFrames("*/*", jls, false);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->decode);
}

TEST(Negotiation, RenderedAndJson) {
  EXPECT_EQ(*NegotiateRendered(""), dicom::RenderOptions::Format::kJpeg);
  EXPECT_EQ(*NegotiateRendered("image/png"), dicom::RenderOptions::Format::kPng);
  EXPECT_EQ(*NegotiateRendered("image/gif, image/png;q=0.5"), dicom::RenderOptions::Format::kPng);
  EXPECT_EQ(NegotiateRendered("image/gif").status().code(), base::Code::kNotAcceptable);
  EXPECT_EQ(*NegotiateJson(""), "application/dicom+json");
  EXPECT_EQ(*NegotiateJson("application/json"), "application/json");
  EXPECT_EQ(NegotiateJson("multipart/related; type=\"application/dicom+xml\"").status().code(),
            base::Code::kNotAcceptable);
  EXPECT_EQ(*NegotiateResults("", true), ResultFormat::kDicomJson);
  EXPECT_EQ(*NegotiateResults("multipart/related; type=\"application/dicom+xml\"", true),
            ResultFormat::kXml);
  EXPECT_EQ(NegotiateResults("application/dicom+xml", true).status().code(),
            base::Code::kNotAcceptable);
  EXPECT_EQ(*NegotiateResults("application/dicom+xml", false), ResultFormat::kXml);
  EXPECT_EQ(*NegotiateResults("application/json;q=0.5, application/dicom+xml", false),
            ResultFormat::kXml);
}

TEST(Params, FramesRenderedWadoUri) {
  EXPECT_EQ(*ParseFrameList("1,3, 5", 10), (std::vector<uint32_t>{1, 3, 5}));
  EXPECT_EQ(ParseFrameList("0", 10).status().field(), "frames");
  EXPECT_EQ(ParseFrameList("1,,2", 10).status().field(), "frames");
  EXPECT_FALSE(ParseFrameList("1,2,3", 2).ok());

  auto r = ParseRenderParams(Q({{"window", "40,400,linear"}, {"viewport", "256,256"},
                                {"quality", "80"}, {"annotation", "patient"}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->window_center, 40);
  EXPECT_EQ(*r->window_width, 400);
  EXPECT_EQ(r->viewport_width, 256u);
  EXPECT_EQ(r->quality, 80);
  EXPECT_EQ(ParseRenderParams(Q({{"window", "40"}})).status().field(), "window");
  EXPECT_EQ(ParseRenderParams(Q({{"window", "40,0"}})).status().field(), "window");
  EXPECT_EQ(ParseRenderParams(Q({{"window", "40,400,cubic"}})).status().field(), "window");
  EXPECT_EQ(ParseRenderParams(Q({{"viewport", "0,10"}})).status().field(), "viewport");
  EXPECT_EQ(ParseRenderParams(Q({{"quality", "101"}})).status().field(), "quality");
  EXPECT_EQ(ParseRenderParams(Q({{"foo", "1"}})).status().field(), "foo");

  auto w = ParseWadoUriParams(Q({{"requestType", "WADO"}, {"studyUID", "1.2"},
                                 {"seriesUID", "1.2.3"}, {"objectUID", "1.2.3.4"},
                                 {"contentType", "image/png, application/dicom"},
                                 {"frameNumber", "2"}, {"windowCenter", "40"},
                                 {"windowWidth", "400"}, {"rows", "64"}}));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->content_types, (std::vector<std::string>{"image/png", "application/dicom"}));
  EXPECT_EQ(w->frame_number, 2u);
  EXPECT_EQ(w->render.viewport_height, 64u);
  EXPECT_EQ(*w->render.window_width, 400);
  auto base = Q({{"requestType", "WADO"}, {"studyUID", "1.2"}, {"seriesUID", "1.2.3"},
                 {"objectUID", "1.2.3.4"}});
  EXPECT_EQ(ParseWadoUriParams(base)->content_types[0], "image/jpeg");
  auto with = [&](const char* k, const char* v) {
    auto q = base;
    q.emplace_back(k, v);
    return ParseWadoUriParams(q).status();
  };
  EXPECT_EQ(with("windowCenter", "1").field(), "windowWidth");
  EXPECT_EQ(with("anonymize", "yes").code(), base::Code::kUnsupported);
  EXPECT_EQ(with("bogus", "1").field(), "bogus");
  EXPECT_EQ(with("frameNumber", "0").field(), "frameNumber");
  EXPECT_EQ(ParseWadoUriParams(Q({{"requestType", "WADO"}, {"studyUID", "1.2"}})).status().field(),
            "seriesUID");
  EXPECT_EQ(ParseWadoUriParams(Q({{"studyUID", "1.2"}})).status().field(), "requestType");
}

}  // namespace
}  // namespace dokuei::dicomweb
