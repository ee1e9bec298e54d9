// Data dictionary lookups and tag parsing.
#include "dokuei/dicom/attribute.h"

#include <gtest/gtest.h>

namespace dokuei::dicom {
namespace {

TEST(Attribute, KeywordsAndTags) {
  EXPECT_EQ(TagForKeyword("PatientName"), tags::kPatientName);
  EXPECT_EQ(TagForKeyword("StudyInstanceUID"), tags::kStudyInstanceUID);
  EXPECT_EQ(TagForKeyword("PixelData"), tags::kPixelData);
  EXPECT_EQ(TagForKeyword("NoSuchKeyword"), std::nullopt);
  EXPECT_EQ(KeywordForTag(tags::kPatientName), "PatientName");
  EXPECT_EQ(KeywordForTag(tags::kRequestAttributesSequence), "RequestAttributesSequence");
  EXPECT_EQ(KeywordForTag(Tag(0x0009, 0x1010)), "");             // private
  EXPECT_EQ(KeywordForTag(Tag(0x6000, 0x3000)), "OverlayData");  // repeating group
  EXPECT_EQ(KeywordForTag(Tag(0x6002, 0x3000)), "OverlayData");
  EXPECT_EQ(KeywordForTag(Tag(0x0018, 0x9324)), "EstimatedDoseSaving");  // retired
  EXPECT_EQ(TagForKeyword("EstimatedDoseSaving"), Tag(0x0018, 0x9324));
}

TEST(Attribute, Vrs) {
  EXPECT_EQ(VrForTag(tags::kPatientName), "PN");
  EXPECT_EQ(VrForTag(tags::kRows), "US");
  EXPECT_EQ(VrForTag(tags::kRequestAttributesSequence), "SQ");
  EXPECT_EQ(VrForTag(tags::kPixelData), "OW");
  EXPECT_EQ(VrForTag(Tag(0x0028, 0x0106)), "US");  // US or SS
  EXPECT_EQ(VrForTag(Tag(0x0009, 0x0010)), "LO");  // private creator
  EXPECT_EQ(VrForTag(Tag(0x0009, 0x1010)), "UN");
  EXPECT_EQ(VrForTag(Tag(0x0008, 0x0000)), "UL");  // group length
}

TEST(Attribute, ParseTagAndHex) {
  EXPECT_EQ(ParseTag("PatientName"), tags::kPatientName);
  EXPECT_EQ(ParseTag("00100010"), tags::kPatientName);
  EXPECT_EQ(ParseTag("0010,0010"), tags::kPatientName);
  EXPECT_EQ(ParseTag("(0010,0010)"), tags::kPatientName);
  EXPECT_EQ(ParseTag("7fe00010"), tags::kPixelData);
  EXPECT_EQ(ParseTag(" Modality "), tags::kModality);
  EXPECT_EQ(ParseTag("0010,00G0"), std::nullopt);
  EXPECT_EQ(ParseTag("../etc"), std::nullopt);
  EXPECT_EQ(ParseTag(""), std::nullopt);
  EXPECT_EQ(TagHex(tags::kPixelData), "7FE00010");
  EXPECT_EQ(TagHex(tags::kPatientName), "00100010");
  AttributeList list{{tags::kPatientID, "LO", {"x"}, {}}};
  ASSERT_NE(Find(list, tags::kPatientID), nullptr);
  EXPECT_EQ(Find(list, tags::kPatientName), nullptr);
}

}  // namespace
}  // namespace dokuei::dicom
