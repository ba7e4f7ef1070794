"""get-dataset-imagenet-calibration: MLPerf's calibration list from the inference source, through `cm`."""


def test_calibration_list_option_two_from_the_source(cm, tmp_path):
    src = tmp_path / "inference"
    (src / "loadgen").mkdir(parents=True)
    (src / "mlperf.conf").write_text("*.*.mode = 2\n")
    cal = src / "calibration" / "ImageNet"
    cal.mkdir(parents=True)
    (cal / "cal_image_list_option_2.txt").write_text("ILSVRC2012_val_00000001.JPEG\nILSVRC2012_val_00000002.JPEG\n")
    adr = f"--adr.inference-src.env.CM_MLPERF_INFERENCE_SOURCE_PATH={src}"
    rc, data, out = cm("get dataset imagenet calibration _mlperf.option2", adr, "-j")
    assert rc == 0, out
    assert data["new_env"]["CM_MLPERF_IMAGENET_CALIBRATION_LIST_FILE_WITH_PATH"] == str(cal / "cal_image_list_option_2.txt")
    rc, _, out = cm("get dataset imagenet calibration", adr)            # option 1 is not in this source
    assert rc != 0 and "cal_image_list_option_1.txt: not found" in out
