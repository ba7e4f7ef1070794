"""--precision picks a published file per model and backend, or is refused naming what exists."""
import pytest

from cmperf.mlperf import precision, registry
from cmperf.mlperf.errors import UnknownChoiceError


def test_bert_precisions_per_backend():
    bert = registry.model_spec("bert-99")
    assert precision.format_key(bert, "onnxruntime", "fp32") == "onnx"
    assert precision.format_key(bert, "onnxruntime", "int8") == "onnx-int8"
    with pytest.raises(UnknownChoiceError, match="precision for bert-99 on pytorch.*choices: fp32"):
        precision.format_key(bert, "pytorch", "int8")   # pytorch_model.bin is published, not run
    assert precision.format_key(bert, "tf", "float32") == "tf"
    assert precision.available(bert, "tf") == ["fp32"]
    with pytest.raises(UnknownChoiceError, match="precision for bert-99 on tf.*choices: fp32"):
        precision.format_key(bert, "tf", "int8")


def test_models_with_fp32_only_refuse_int8():
    for name in ("retinanet", "3d-unet-99", "rnnt"):
        spec = registry.model_spec(name)
        with pytest.raises(UnknownChoiceError, match=f"precision for {name}"):
            precision.format_key(spec, "pytorch" if name == "rnnt" else "onnxruntime", "int8")


def test_unknown_precision_and_measurements():
    with pytest.raises(UnknownChoiceError, match="unknown precision 'int7'"):
        precision.normalize("int7")
    m = precision.measurements(registry.model_spec("bert-99"), "onnxruntime", "int8")
    assert m["weight_data_types"] == "int8" and m["precision"] == "int8"
    assert m["starting_weights_filename"].endswith("bert_large_v1_1_fake_quant.onnx")
    with pytest.raises(UnknownChoiceError, match="precision for resnet50 on pytorch 'int8'; choices: fp32"):
        precision.measurements(registry.model_spec("resnet50"), "pytorch", "int8")   # published, not run


def test_run_spec_refuses_what_the_model_cannot_do():
    from cmperf.mlperf import spec
    from cmperf.mlperf.errors import ConfigError
    assert spec.RunSpec.build("bert-99", precision="int8").precision == "int8"
    assert spec.RunSpec.build("bert-99", backend="tf").backend == "tf"
    with pytest.raises(ConfigError, match="retinanet takes at most 1 sample"):
        spec.RunSpec.build("retinanet", batch_size=4)
    with pytest.raises(UnknownChoiceError, match="backend for 3d-unet-99"):
        spec.RunSpec.build("3d-unet-99", backend="deepsparse")
    with pytest.raises(UnknownChoiceError, match="precision for 3d-unet-99.9 on tf 'int8'"):
        spec.RunSpec.build("3d-unet-99.9", backend="tf", precision="int8")
