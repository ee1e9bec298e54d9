// One DICOM instance of the plan: attributes per modality (MR Image, CT Image, Digital X-Ray
// "for presentation" IODs) and the rendered pixels.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dokuei/dicom/attribute.h"
#include "dokuei/dicom/dataset_writer.h"
#include "plan.h"

namespace dokuei::demo {
namespace {

using dicom::DatasetWriter;
using dicom::Tag;
namespace tags = dicom::tags;

constexpr const char* kMrImageStorage = "1.2.840.10008.5.1.4.1.1.4";
constexpr const char* kCtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
constexpr const char* kDxForPresentation = "1.2.840.10008.5.1.4.1.1.1.1";

// Attributes not in dicom::tags.
constexpr uint32_t kImageType = Tag(0x0008, 0x0008);
constexpr uint32_t kInstanceCreationDate = Tag(0x0008, 0x0012);
constexpr uint32_t kInstanceCreationTime = Tag(0x0008, 0x0013);
constexpr uint32_t kAcquisitionDate = Tag(0x0008, 0x0022);
constexpr uint32_t kContentDate = Tag(0x0008, 0x0023);
constexpr uint32_t kAcquisitionTime = Tag(0x0008, 0x0032);
constexpr uint32_t kContentTime = Tag(0x0008, 0x0033);
constexpr uint32_t kPresentationIntentType = Tag(0x0008, 0x0068);
constexpr uint32_t kManufacturer = Tag(0x0008, 0x0070);
constexpr uint32_t kInstitutionName = Tag(0x0008, 0x0080);
constexpr uint32_t kStationName = Tag(0x0008, 0x1010);
constexpr uint32_t kManufacturerModelName = Tag(0x0008, 0x1090);
constexpr uint32_t kAnatomicRegionSequence = Tag(0x0008, 0x2218);
constexpr uint32_t kCodeValue = Tag(0x0008, 0x0100);
constexpr uint32_t kCodingSchemeDesignator = Tag(0x0008, 0x0102);
constexpr uint32_t kCodeMeaning = Tag(0x0008, 0x0104);
constexpr uint32_t kPatientAge = Tag(0x0010, 0x1010);
constexpr uint32_t kScanningSequence = Tag(0x0018, 0x0020);
constexpr uint32_t kSequenceVariant = Tag(0x0018, 0x0021);
constexpr uint32_t kScanOptions = Tag(0x0018, 0x0022);
constexpr uint32_t kMrAcquisitionType = Tag(0x0018, 0x0023);
constexpr uint32_t kSliceThickness = Tag(0x0018, 0x0050);
constexpr uint32_t kKvp = Tag(0x0018, 0x0060);
constexpr uint32_t kRepetitionTime = Tag(0x0018, 0x0080);
constexpr uint32_t kEchoTime = Tag(0x0018, 0x0081);
constexpr uint32_t kInversionTime = Tag(0x0018, 0x0082);
constexpr uint32_t kNumberOfAverages = Tag(0x0018, 0x0083);
constexpr uint32_t kImagingFrequency = Tag(0x0018, 0x0084);
constexpr uint32_t kImagedNucleus = Tag(0x0018, 0x0085);
constexpr uint32_t kMagneticFieldStrength = Tag(0x0018, 0x0087);
constexpr uint32_t kSpacingBetweenSlices = Tag(0x0018, 0x0088);
constexpr uint32_t kEchoTrainLength = Tag(0x0018, 0x0091);
constexpr uint32_t kPixelBandwidth = Tag(0x0018, 0x0095);
constexpr uint32_t kSoftwareVersions = Tag(0x0018, 0x1020);
constexpr uint32_t kProtocolName = Tag(0x0018, 0x1030);
constexpr uint32_t kDataCollectionDiameter = Tag(0x0018, 0x0090);
constexpr uint32_t kReconstructionDiameter = Tag(0x0018, 0x1100);
constexpr uint32_t kDistanceSourceToDetector = Tag(0x0018, 0x1110);
constexpr uint32_t kDistanceSourceToPatient = Tag(0x0018, 0x1111);
constexpr uint32_t kEstimatedMagnification = Tag(0x0018, 0x1114);
constexpr uint32_t kGantryDetectorTilt = Tag(0x0018, 0x1120);
constexpr uint32_t kTableHeight = Tag(0x0018, 0x1130);
constexpr uint32_t kRotationDirection = Tag(0x0018, 0x1140);
constexpr uint32_t kExposureTime = Tag(0x0018, 0x1150);
constexpr uint32_t kXRayTubeCurrent = Tag(0x0018, 0x1151);
constexpr uint32_t kExposure = Tag(0x0018, 0x1152);
constexpr uint32_t kImagerPixelSpacing = Tag(0x0018, 0x1164);
constexpr uint32_t kConvolutionKernel = Tag(0x0018, 0x1210);
constexpr uint32_t kReceiveCoilName = Tag(0x0018, 0x1250);
constexpr uint32_t kFlipAngle = Tag(0x0018, 0x1314);
constexpr uint32_t kPatientPosition = Tag(0x0018, 0x5100);
constexpr uint32_t kViewPosition = Tag(0x0018, 0x5101);
constexpr uint32_t kViewCodeSequence = Tag(0x0054, 0x0220);
constexpr uint32_t kDetectorType = Tag(0x0018, 0x7004);
constexpr uint32_t kImagePositionPatient = Tag(0x0020, 0x0032);
constexpr uint32_t kImageOrientationPatient = Tag(0x0020, 0x0037);
constexpr uint32_t kAcquisitionNumber = Tag(0x0020, 0x0012);
constexpr uint32_t kPatientOrientation = Tag(0x0020, 0x0020);
constexpr uint32_t kFrameOfReferenceUID = Tag(0x0020, 0x0052);
constexpr uint32_t kImageLaterality = Tag(0x0020, 0x0062);
constexpr uint32_t kPositionReferenceIndicator = Tag(0x0020, 0x1040);
constexpr uint32_t kSliceLocation = Tag(0x0020, 0x1041);
constexpr uint32_t kPixelSpacing = Tag(0x0028, 0x0030);
constexpr uint32_t kPixelSpacingCalibrationType = Tag(0x0028, 0x0A02);
constexpr uint32_t kPixelSpacingCalibrationDescription = Tag(0x0028, 0x0A04);
constexpr uint32_t kPixelIntensityRelationship = Tag(0x0028, 0x1040);
constexpr uint32_t kPixelIntensityRelationshipSign = Tag(0x0028, 0x1041);
constexpr uint32_t kWindowCenter = Tag(0x0028, 0x1050);
constexpr uint32_t kWindowWidth = Tag(0x0028, 0x1051);
constexpr uint32_t kRescaleIntercept = Tag(0x0028, 0x1052);
constexpr uint32_t kRescaleSlope = Tag(0x0028, 0x1053);
constexpr uint32_t kRescaleType = Tag(0x0028, 0x1054);
constexpr uint32_t kWindowExplanation = Tag(0x0028, 0x1055);
constexpr uint32_t kLossyImageCompression = Tag(0x0028, 0x2110);
constexpr uint32_t kBurnedInAnnotation = Tag(0x0028, 0x0301);
constexpr uint32_t kAcquisitionContextSequence = Tag(0x0040, 0x0555);
constexpr uint32_t kPresentationLutShape = Tag(0x2050, 0x0020);

DatasetWriter Code(const char* value, const char* scheme, const char* meaning) {
  DatasetWriter item;
  item.Set(kCodeValue, value).Set(kCodingSchemeDesignator, scheme).Set(kCodeMeaning, meaning);
  return item;
}

std::vector<DatasetWriter> One(DatasetWriter w) {
  std::vector<DatasetWriter> v;
  v.push_back(std::move(w));
  return v;
}

std::string Age(const std::string& birth, const std::string& study) {
  if (birth.size() != 8 || study.size() != 8) return "";
  int years = std::stoi(study.substr(0, 4)) - std::stoi(birth.substr(0, 4));
  if (study.substr(4) < birth.substr(4)) --years;
  if (years < 0 || years > 999) return "";
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%03dY", years);
  return buf;
}

// Window from the 1st and 99.5th percentiles of the non-zero stored values.
std::pair<double, double> AutoWindow(const std::vector<uint16_t>& px) {
  std::vector<uint16_t> v;
  v.reserve(px.size());
  for (uint16_t p : px) {
    if (p > 60) v.push_back(p);
  }
  if (v.size() < 16) return {2048, 4096};
  auto at = [&](double q) {
    auto it = v.begin() + static_cast<long>(q * (v.size() - 1));
    std::nth_element(v.begin(), it, v.end());
    return static_cast<double>(*it);
  };
  const double lo = at(0.01), hi = at(0.995);
  return {std::round((lo + hi) / 2), std::max(1.0, std::round(hi - lo))};
}

void SetVec(DatasetWriter& w, uint32_t tag, const Vec3& a) { w.SetNumbers(tag, {a.x, a.y, a.z}); }

}  // namespace

base::Result<uint64_t> WriteInstance(const GenerateOptions& o, const Plan& plan, const Scene& scene,
                                     size_t study_index, size_t series_index, size_t instance,
                                     base::Env& env) {
  const StudyPlan& st = plan.studies[study_index];
  const SeriesPlan& s = st.series[series_index];
  const uint64_t noise_seed =
      o.seed * 1000003ull + study_index * 100000ull + series_index * 10000ull + instance;
  DatasetWriter w;
  if (plan.utf8) w.Set(tags::kSpecificCharacterSet, "ISO_IR 192");
  const char* sop_class = s.modality == Modality::kMr   ? kMrImageStorage
                          : s.modality == Modality::kCt ? kCtImageStorage
                                                        : kDxForPresentation;
  const char* modality = s.modality == Modality::kMr   ? "MR"
                         : s.modality == Modality::kCt ? "CT"
                                                       : "DX";
  w.Set(tags::kSOPClassUID, sop_class).Set(tags::kSOPInstanceUID, s.instance_uids[instance]);
  w.Set(kInstanceCreationDate, o.study_date).Set(kInstanceCreationTime, s.time);
  // Patient.
  w.Set(tags::kPatientName, o.patient_name).Set(tags::kPatientID, plan.patient_id);
  w.Set(tags::kPatientBirthDate, o.patient_birth_date).Set(tags::kPatientSex, o.patient_sex);
  const std::string age = Age(o.patient_birth_date, o.study_date);
  if (!age.empty()) w.Set(kPatientAge, age);
  // Study.
  w.Set(tags::kStudyInstanceUID, st.uid).Set(tags::kStudyDate, o.study_date);
  w.Set(tags::kStudyTime, st.time).Set(tags::kAccessionNumber, st.accession);
  w.Set(tags::kReferringPhysicianName, plan.referring_physician);
  w.Set(tags::kStudyID, st.study_id).Set(tags::kStudyDescription, st.description);
  // Series and equipment.
  w.Set(tags::kModality, modality).Set(tags::kSeriesInstanceUID, s.uid);
  w.SetNumber(tags::kSeriesNumber, s.number).Set(tags::kSeriesDescription, s.description);
  w.Set(tags::kSeriesDate, o.study_date).Set(tags::kSeriesTime, s.time);
  w.Set(kProtocolName, s.description).Set(tags::kBodyPartExamined, st.body_part);
  w.Set(kManufacturer, "Dokuei").Set(kManufacturerModelName, "Spine Phantom");
  w.Set(kSoftwareVersions, "dokuei-demo 1").Set(kInstitutionName, plan.institution);
  w.Set(kStationName, s.modality == Modality::kMr   ? "DEMO-MR1"
                      : s.modality == Modality::kCt ? "DEMO-CT1"
                                                    : "DEMO-DR1");
  // Image.
  w.SetNumber(tags::kInstanceNumber, static_cast<double>(instance + 1));
  w.SetNumber(kAcquisitionNumber, 1);
  w.Set(kAcquisitionDate, o.study_date).Set(kAcquisitionTime, s.time);
  w.Set(kContentDate, o.study_date).Set(kContentTime, s.time);

  std::vector<uint16_t> pixels;
  int rows, cols;
  if (s.modality != Modality::kDx) {
    const PlaneGeometry& g = s.planes[instance];
    rows = g.rows, cols = g.cols;
    w.Set(kFrameOfReferenceUID, st.frame_of_reference_uid).Set(kPositionReferenceIndicator, "");
    w.Set(kPatientPosition, "HFS");
    SetVec(w, kImagePositionPatient, g.origin);
    w.SetNumbers(kImageOrientationPatient,
                 {g.row_dir.x, g.row_dir.y, g.row_dir.z, g.col_dir.x, g.col_dir.y, g.col_dir.z});
    w.SetNumbers(kPixelSpacing, {g.spacing, g.spacing});
    w.SetNumber(kSliceThickness, s.thickness).SetNumber(kSpacingBetweenSlices, s.spacing_between);
    w.SetNumber(kSliceLocation, Dot(g.origin, g.Normal()));
    const bool mr = s.modality == Modality::kMr;
    const double edge = mr ? 1.3 : 0.9;
    const std::vector<float> values = RenderPlane(scene, g, s.contrast, edge, o.seed + 17);
    if (mr) {
      pixels = AcquireMr(scene, g, values, 22.0, noise_seed);
      w.Set(kImageType, "ORIGINAL\\PRIMARY\\M\\ND");
      w.Set(kScanningSequence, s.scanning_sequence).Set(kSequenceVariant, s.sequence_variant);
      w.Set(kScanOptions, s.scan_options).Set(kMrAcquisitionType, "2D");
      w.SetNumber(kRepetitionTime, s.tr).SetNumber(kEchoTime, s.te);
      if (s.ti > 0) w.SetNumber(kInversionTime, s.ti);
      w.SetNumber(kEchoTrainLength, s.echo_train).SetNumber(kNumberOfAverages, 2);
      w.SetNumber(kImagingFrequency, 63.87).Set(kImagedNucleus, "1H");
      w.SetNumber(kMagneticFieldStrength, 1.5).SetNumber(kPixelBandwidth, 190);
      w.SetNumber(kFlipAngle, s.flip).Set(kReceiveCoilName, "SPINE");
      const auto [wc, ww] = AutoWindow(pixels);
      w.SetNumber(kWindowCenter, wc).SetNumber(kWindowWidth, ww);
    } else {
      pixels = AcquireCt(values, 14.0, noise_seed);
      w.Set(kImageType, "ORIGINAL\\PRIMARY\\AXIAL");
      w.SetNumber(kKvp, 120).SetNumber(kDataCollectionDiameter, 500);
      w.SetNumber(kReconstructionDiameter, g.spacing * g.cols).SetNumber(kGantryDetectorTilt, 0);
      w.SetNumber(kTableHeight, 150).Set(kRotationDirection, "CW");
      w.SetNumber(kExposureTime, 750).SetNumber(kXRayTubeCurrent, 220).SetNumber(kExposure, 165);
      w.Set(kConvolutionKernel, "BONE");
      w.SetNumber(kRescaleIntercept, -1024).SetNumber(kRescaleSlope, 1).Set(kRescaleType, "HU");
      w.SetNumbers(kWindowCenter, {400, 40}).SetNumbers(kWindowWidth, {2000, 400});
      w.Set(kWindowExplanation, "BONE\\SOFT TISSUE");
    }
  } else {
    const ProjectionGeometry& g = s.projection;
    rows = g.rows, cols = g.cols;
    pixels = ProcessRadiograph(ProjectXray(scene, g), rows, cols, noise_seed);
    const bool ap = s.view == "AP";
    w.Set(kImageType, "ORIGINAL\\PRIMARY").Set(kPresentationIntentType, "FOR PRESENTATION");
    w.Set(kPatientOrientation, ap ? "L\\F" : "P\\F").Set(kImageLaterality, "U");
    w.Set(kViewPosition, s.view);
    w.SetSequence(kViewCodeSequence, One(ap ? Code("399348003", "SCT", "antero-posterior")
                                            : Code("399173006", "SCT", "left lateral")));
    w.SetSequence(kAnatomicRegionSequence, One(Code("421060004", "SCT", "Spine")));
    w.SetSequence(kAcquisitionContextSequence, {});
    w.SetNumber(kKvp, ap ? 85 : 95).SetNumber(kExposureTime, ap ? 80 : 160);
    w.SetNumber(kXRayTubeCurrent, 320).SetNumber(kExposure, ap ? 25 : 50);
    w.SetNumber(kDistanceSourceToDetector, s.sid).SetNumber(kDistanceSourceToPatient, s.sod);
    w.SetNumber(kEstimatedMagnification, s.magnification);
    w.Set(kDetectorType, "SCINTILLATOR");
    w.SetNumbers(kImagerPixelSpacing, {g.spacing, g.spacing});
    const double ps = g.spacing / s.magnification;
    w.SetNumbers(kPixelSpacing, {ps, ps}).Set(kPixelSpacingCalibrationType, "GEOMETRY");
    w.Set(kPixelSpacingCalibrationDescription,
          "ImagerPixelSpacing / EstimatedRadiographicMagnificationFactor at the mid-spine plane");
    w.Set(kPixelIntensityRelationship, "LOG").SetNumber(kPixelIntensityRelationshipSign, -1);
    w.SetNumber(kRescaleIntercept, 0).SetNumber(kRescaleSlope, 1).Set(kRescaleType, "US");
    w.Set(kPresentationLutShape, "IDENTITY");
    w.Set(kLossyImageCompression, "00").Set(kBurnedInAnnotation, "NO");
    w.SetNumber(kWindowCenter, 2048).SetNumber(kWindowWidth, 4096);
  }
  w.SetPixelData16(static_cast<uint16_t>(rows), static_cast<uint16_t>(cols), 1, pixels,
                   {.bits_stored = 12});
  DOKUEI_ASSIGN_OR_RETURN(std::string bytes, w.Encode());
  DOKUEI_ASSIGN_OR_RETURN(std::unique_ptr<base::WritableFile> file,
                          env.NewWritableFile(o.out_dir + "/" + s.files[instance]));
  DOKUEI_RETURN_IF_ERROR(file->Append(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size())));
  DOKUEI_RETURN_IF_ERROR(file->Close());
  return static_cast<uint64_t>(bytes.size());
}

}  // namespace dokuei::demo
