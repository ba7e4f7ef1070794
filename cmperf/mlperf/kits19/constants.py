"""The reference's constants (global_vars.py) and case lists (meta/*.json)."""

MEAN_VAL = 101.0
STDDEV_VAL = 76.9
MIN_CLIP_VAL = -79.0
MAX_CLIP_VAL = 304.0
PADDING_VAL = -2.2
TARGET_SPACING = [1.6, 1.2, 1.2]
ROI_SHAPE = [128, 128, 128]
SLIDE_OVERLAP_FACTOR = 0.5
NUM_CLASSES = 3      # background, kidney, tumor

# meta/inference_cases.json; the 43rd case, case_00400, is a copy of case_00185 that the
# reference's data preparation makes (cp -r case_00185 case_00400) so the set has 43 samples.
INFERENCE_CASES = [
    "case_00000", "case_00003", "case_00005", "case_00006", "case_00012", "case_00024", "case_00034",
    "case_00041", "case_00044", "case_00049", "case_00052", "case_00056", "case_00061", "case_00065",
    "case_00066", "case_00070", "case_00076", "case_00078", "case_00080", "case_00084", "case_00086",
    "case_00087", "case_00092", "case_00111", "case_00112", "case_00125", "case_00128", "case_00138",
    "case_00157", "case_00160", "case_00161", "case_00162", "case_00169", "case_00171", "case_00176",
    "case_00185", "case_00187", "case_00189", "case_00198", "case_00203", "case_00206", "case_00207",
    "case_00400",
]
CASE_COPIES = {"case_00400": "case_00185"}
# meta/calibration_cases.json
CALIBRATION_CASES = [
    "case_00050", "case_00117", "case_00172", "case_00149", "case_00091", "case_00147", "case_00144",
    "case_00100", "case_00090", "case_00196", "case_00183", "case_00130", "case_00136", "case_00047",
    "case_00073", "case_00141", "case_00053", "case_00148", "case_00081", "case_00150",
]
