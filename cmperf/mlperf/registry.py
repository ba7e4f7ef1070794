"""Models and datasets as data: official sources and checksums, and what our harness supports.

URLs and md5 sums are copied from upstream CM's script metas (cm-conventions.md, tables "Models"
and "Datasets"). ``harness`` says whether :mod:`cmperf.mlperf.harness` can run a model; models
with ``harness: None`` get a clear HarnessNotImplementedError.
"""
from . import spec as _spec
from .errors import HarnessNotImplementedError, UnknownChoiceError

SCENARIOS = _spec.SCENARIO_NAMES   # the one definition is cmperf.mlperf.spec.Scenario
MODES = _spec.MODES

ZENODO = "https://zenodo.org/record"
INFERENCE_RAW = "https://raw.githubusercontent.com/mlcommons/inference/v3.1"

MODELS = {
    "digits-mlp": {
        "task": "image-classification",
        "loadgen_name": "resnet50",       # mlperf.conf section used (open division, mapped to resnet)
        "mlperf_model": "resnet", "maps_to_mlperf_model": True,  # not an MLPerf model itself
        "dataset": "digits", "dataset_size": 1024,   # the held-out split (models.digits)
        "harness": "reference",
        "accuracy": "imagenet-top1",
        "input_name": "input", "output_name": "scores", "output_kind": "scores", "label_offset": 0,
        "formats": {"onnx": {"source": "built locally by cmperf.mlperf.models.digits", "file": "model.onnx"},
                    "tf": {"source": "built locally by cmperf.mlperf.models.digits", "file": "saved_model"},
                 "pytorch": {"source": "built locally by cmperf.mlperf.models.digits", "file": "model.pt"}},
        "measurements": {"input_data_types": "fp32", "weight_data_types": "fp32", "retraining": "yes",
                         "starting_weights_filename": "model.onnx (trained by cmperf from sklearn digits)",
                         "weight_transformations": "none"},
    },
    "resnet50-random": {
        "task": "image-classification",
        "loadgen_name": "resnet50",
        "mlperf_model": "resnet", "maps_to_mlperf_model": True,
        "dataset": "imagenet-random-inputs",
        "harness": "reference",
        "performance_only": True,         # random weights: accuracy mode and submission are refused
        "input_name": "input_tensor:0", "output_name": "ArgMax:0", "output_kind": "argmax", "label_offset": 1,
        "formats": {"onnx": {"source": "built locally by cmperf.mlperf.models.resnet50_random",
                             "file": "resnet50_random.onnx"}},
        "measurements": {"input_data_types": "fp32", "weight_data_types": "fp32", "retraining": "no",
                         "starting_weights_filename": "seeded random weights (performance only)",
                         "weight_transformations": "none"},
    },
    "resnet50": {
        "task": "image-classification",
        "loadgen_name": "resnet50", "mlperf_model": "resnet", "dataset": "imagenet", "dataset_size": 50000,
        "harness": "reference", "accuracy": "imagenet-top1", "accuracy_module": "cmperf.mlperf.accuracy.imagenet",
        "preprocess_cli": "python -m cmperf.mlperf.preprocess.imagenet",
        "input_name": "input_tensor:0", "output_name": "ArgMax:0", "output_kind": "argmax", "label_offset": 1,
        # pytorch: resnet50-19c8e357.pth, torchvision's state dict (backends.torch_resnet), fed the
        # `_pytorch` preprocessing (main.py's imagenet_pytorch): 1000 logits, argmax, label offset 0
        "backend_io": {"pytorch": {"response": "class-index", "output_kind": "scores", "label_offset": 0}},
        "formats": {
            "onnx": {"url": f"{ZENODO}/4735647/files/resnet50_v1.onnx", "md5": "f6a4da60cd5f084d97efc2c1ddb10beb",
                     "opset": 11, "mirror": "https://huggingface.co/ctuning/mlperf-inference-resnet50-onnx-fp32-imagenet2012-v1.0"},
            "onnx-opset8": {"url": f"{ZENODO}/2592612/files/resnet50_v1.onnx",
                            "md5": "a638cf028b5870da29e09ccc2f7182e7", "opset": 8},
            "tf": {"url": f"{ZENODO}/2535873/files/resnet50_v1.pb", "md5": "7b94a2da05dd30f6c0af23a46bc08886",
                   "layout": "NHWC"},  # a frozen graph; preprocess with --layout NHWC
            "pytorch": {"url": f"{ZENODO}/4588417/files/resnet50-19c8e357.pth",
                        "md5": "9e9c86b324d80e65229fab49b8d9a8e8"},
            # not run: its form and preprocessing are not verified here (no file to check against)
            "pytorch-int8": {"url": f"{ZENODO}/4589637/files/resnet50_INT8bit_quantized.pt",
                             "md5": "6893ea9769b0afce65bb0ddf002f4438", "harness": False},
            "tflite-int8": {"url": f"{ZENODO}/8234946/files/resnet50_quant_full_mlperf_edgetpu.tflite",
                            "md5": "a657cf1f97545aefd058c1c718cc0e17", "no_argmax": True},
        },
        "measurements": {"input_data_types": "fp32", "weight_data_types": "fp32", "retraining": "no",
                         "starting_weights_filename": "resnet50_v1.onnx", "weight_transformations": "none"},
    },
    "retinanet": {
        "task": "object-detection", "loadgen_name": "retinanet", "mlperf_model": "retinanet",
        "dataset": "openimages", "dataset_size": 24781, "harness": "reference", "accuracy": "openimages-map",
        "accuracy_module": "cmperf.mlperf.openimages.accuracy",
        "accuracy_script": f"{INFERENCE_RAW}/vision/classification_and_detection/tools/accuracy-openimages.py",
        "preprocess_cli": "python -m cmperf.mlperf.openimages.preprocess",
        # (edge) the QSL checks the annotation file; the official export answers one image per call
        "qsl": "cmperf.mlperf.benchmarks:openimages_qsl", "response": "detections", "max_batch_size": 1,
        "output_name": ["boxes", "labels", "scores"],   # retinanet_pytorch_to_onnx.py's names
        # pytorch: the .pth is a training checkpoint whose "model" state dict loads into
        # backends.torch_retinanet (the training repo's retinanet_resnext50_32x4d_fpn, 264 classes);
        # it answers the same boxes/labels/scores for the same preprocessed 800x800 input
        "harness_backends": ("onnxruntime", "pytorch"),
        "measurements": {"input_data_types": "fp32", "weight_data_types": "fp32", "retraining": "no",
                         "starting_weights_filename": "resnext50_32x4d_fpn.onnx", "weight_transformations": "none"},
        "formats": {
            "onnx": {"url": f"{ZENODO}/6617879/files/resnext50_32x4d_fpn.onnx", "md5": "4544f4e56e0a4684215831cc937ea45c"},
            "pytorch": {"url": f"{ZENODO}/6617981/files/resnext50_32x4d_fpn.pth", "md5": "a55f6bec3464f605ce8d686da8ac1533"},
        },
    },
    "bert-99": {
        "task": "question-answering", "loadgen_name": "bert", "mlperf_model": "bert-99",
        "dataset": "squad-v1.1", "dataset_size": 10833, "harness": "reference", "accuracy": "squad-f1",
        "accuracy_module": "cmperf.mlperf.squad.accuracy",
        "qsl": "squad", "response": "span-logits", "max_seq_length": 384,
        "preprocess_cli": "python -m cmperf.mlperf.squad.preprocess",
        # the names of the official fp32 ONNX export (bert_tf_to_pytorch.py + torch.onnx.export)
        "input_name": ["input_ids", "input_mask", "segment_ids"],
        "output_name": ["output_start_logits", "output_end_logits"],
        # pytorch: model.pytorch, a state dict loaded into backends.torch_bert (pytorch_SUT.py's
        # BertForQuestionAnswering); same input names and start/end outputs as the ONNX file
        "harness_backends": ("onnxruntime", "deepsparse", "tf", "pytorch"),
        # (edge) the TF model.pb's tensors (language/bert/tf_SUT.py): logits [batch, 384, 2]
        "backend_io": {"tf": {"input_name": ["input_ids:0", "input_mask:0", "segment_ids:0"],
                              "output_name": "logits:0", "response": "span-logits-stacked"}},
        "measurements": {"input_data_types": "int64", "weight_data_types": "fp32", "retraining": "no",
                         "starting_weights_filename": "model.onnx", "weight_transformations": "none"},
        "formats": {
            "onnx": {"url": f"{ZENODO}/3733910/files/model.onnx", "md5": "819b25b19cd8e59080c10892689750ca",
                     "primary_url": "https://armi.in/files/model.onnx"},
            "onnx-int8": {"url": f"{ZENODO}/3750364/files/bert_large_v1_1_fake_quant.onnx",
                          "md5": "45f88ffb2915362242703c85c38ec2d4"},
            "pytorch": {"url": f"{ZENODO}/3733896/files/model.pytorch", "md5": "00fbcbfaebfa20d87ac9885120a6e9b4"},
            # a quantized transformers checkpoint the harness has no module for: downloadable, not run
            "pytorch-int8": {"url": f"{ZENODO}/4792496/files/pytorch_model.bin",
                             "md5": "0734c580cb53b4b56a3f400771ffcb7c", "harness": False},
            "tf": {"url": f"{ZENODO}/3939747/files/model.pb", "md5": "dd72de12e8226f25f0128a1a864b97ad"},
            "vocab": {"url": f"{ZENODO}/3733868/files/vocab.txt", "md5": "64800d5d8528ce344256daf115d4965e"},
        },
    },
    "rnnt": {
        "task": "speech-recognition", "loadgen_name": "rnnt", "mlperf_model": "rnnt",
        "dataset": "librispeech-dev-clean", "dataset_size": 2513, "harness": "reference",
        "accuracy": "librispeech-wer",
        "accuracy_script": f"{INFERENCE_RAW}/speech_recognition/rnnt/accuracy_eval.py",
        "accuracy_module": "cmperf.mlperf.accuracy.wer",
        "preprocess_cli": "python -m cmperf.mlperf.librispeech.manifest",
        # (edge) PyTorch only, as the reference: waveforms of differing lengths in, the transcript
        # (int64 label ids) out; features + encoder + greedy decoder per sample (cmperf.mlperf.rnnt)
        "qsl": "cmperf.mlperf.rnnt.qsl:audio_qsl", "response": "transcript",
        "harness_backends": ("pytorch",),
        "backend_class": {"pytorch": "cmperf.mlperf.rnnt.backend:RNNTBackend"},
        "measurements": {"input_data_types": "fp32", "weight_data_types": "fp32", "retraining": "no",
                         "starting_weights_filename": "DistributedDataParallel_1576581068.9962234-epoch-100.pt",
                         "weight_transformations": "none"},
        "formats": {"pytorch": {"url": f"{ZENODO}/3662521/files/DistributedDataParallel_1576581068.9962234-epoch-100.pt",
                                "md5": None}},
    },
    "3d-unet-99": {
        "task": "medical-segmentation", "loadgen_name": "3d-unet", "mlperf_model": "3d-unet-99",
        "dataset": "kits19", "dataset_size": 43, "harness": "reference", "accuracy": "kits19-dice",
        "accuracy_module": "cmperf.mlperf.kits19.accuracy",
        "accuracy_script": f"{INFERENCE_RAW}/vision/medical_imaging/3d-unet-kits19/accuracy_kits.py",
        "preprocess_cli": "python -m cmperf.mlperf.kits19.preprocess",
        # (edge) whole volumes of differing sizes; the sliding window calls the 128^3 model
        "qsl": "cmperf.mlperf.benchmarks:kits19_qsl", "response": "segmentation", "max_batch_size": 1,
        "inference": "sliding-window", "input_name": "input", "output_name": "output",
        # pytorch: the TorchScript .ptc (pytorch_SUT.py's torch.jit.load), same input/output convention
        "harness_backends": ("onnxruntime", "tf", "pytorch"),
        "measurements": {"input_data_types": "fp32", "weight_data_types": "fp32", "retraining": "no",
                         "starting_weights_filename": "3dunet_kits19_128x128x128_dynbatch.onnx",
                         "weight_transformations": "none"},
        "formats": {
            "onnx": {"url": f"{ZENODO}/5597155/files/3dunet_kits19_128x128x128_dynbatch.onnx",
                     "md5": "82f0618fde78f9839e7c712274019b4a"},
            "pytorch": {"url": f"{ZENODO}/5597155/files/3dunet_kits19_pytorch.ptc", "md5": "2251109371f408c9f10a4320ffdcaef8"},
            "pytorch-weights": {"url": f"{ZENODO}/5597155/files/3dunet_kits19_pytorch_checkpoint.pth",
                                "md5": "09c696e3ec13d83c628498bcd831eb5b"},
            "tf": {"url": f"{ZENODO}/5597155/files/3dunet_kits19_128x128x128.tf.zip",
                   "md5": "9497108bd0504ae8f85a764a807b76a9"},
        },
    },
}
# The .9 benchmarks run the same model and data with a higher accuracy target: their own entries,
# so results and submissions land under their own names.
MODELS["bert-99.9"] = dict(MODELS["bert-99"], mlperf_model="bert-99.9")
MODELS["3d-unet-99.9"] = dict(MODELS["3d-unet-99"], mlperf_model="3d-unet-99.9")
MODEL_ALIASES = {"bert-large": "bert-99", "3d-unet": "3d-unet-99"}

DATASETS = {
    "digits": {"source": "sklearn.datasets.load_digits (bundled with scikit-learn)", "md5": None},
    "imagenet-val-500": {"url": "http://cKnowledge.org/ai/data/ILSVRC2012_img_val_500.tar",
                         "md5": "8627befdd8c2bcf305729020e9db354e"},
    "imagenet-val-full": {"file": "ILSVRC2012_img_val.tar", "md5": "29b22e2961454d5413ddabcf34fc5622",
                          "note": "supplied by the user (--imagenet_path / IMAGENET_PATH) or via torrent"},
    "imagenet-aux": {"url": "http://dl.caffe.berkeleyvision.org/caffe_ilsvrc12.tar.gz",
                     "md5": "f963098ea0e785a968ca1eb634003a90",
                     "note": "the dropbox mirror has a different md5: ee346d67141e476df9c1a3f813552503"},
    "imagenet-calibration-1": {
        "url": "https://github.com/mlcommons/inference/raw/master/calibration/ImageNet/cal_image_list_option_1.txt",
        "md5": "f09719174af3553119e2c621157773a6"},
    "imagenet-calibration-2": {
        "url": "https://github.com/mlcommons/inference/raw/master/calibration/ImageNet/cal_image_list_option_2.txt",
        "md5": "e44582af00e3b4fc3fac30efd6bdd05f"},
    "openimages": {"source": "one file per image, named by the annotations: get-dataset-openimages downloads them "
                             "from https://open-images-dataset.s3.amazonaws.com/validation/ (no fiftyone; "
                             "no official per-image checksum)", "md5": None},
    "openimages-annotations": {
        "url": "https://github.com/mlcommons/inference/releases/download/v2.1/openimages-mlperf_annotations_2.1.json.zip",
        "md5": "817fd8da3aeeb0575f1e2d2926b15e68"},
    "openimages-calibration": {
        "url": "https://github.com/mlcommons/inference/raw/master/calibration/openimages/openimages_cal_images_list.txt",
        "md5": "5c3196ddcec4605c6a9fcf004d9615e6"},
    "squad-v1.1": {"url": "https://raw.githubusercontent.com/rajpurkar/SQuAD-explorer/master/dataset/dev-v1.1.json",
                   "md5": "3e85deb501d4e538b6bc56f786231552"},
    "squad-v2.0": {"url": "https://raw.githubusercontent.com/rajpurkar/SQuAD-explorer/master/dataset/dev-v2.0.json",
                   "md5": "246adae8b7002f8679c027697b0b7cf8"},
    "librispeech-dev-clean": {"url": "http://www.openslr.org/resources/12/dev-clean.tar.gz",
                              "md5": "42e2234ba48799c1f50f24a7926300a1"},
    "librispeech-dev-other": {"url": "http://www.openslr.org/resources/12/dev-other.tar.gz",
                              "md5": "c8d0bcc9cca99d4f8b62fcc847357931"},
    "librispeech-test-clean": {"url": "http://www.openslr.org/resources/12/test-clean.tar.gz",
                               "md5": "32fa31d27d2e1cad72775fee3f4849a9"},
    "librispeech-test-other": {"url": "http://www.openslr.org/resources/12/test-other.tar.gz",
                               "md5": "fb5a50374b501bb3bac4815ee91d3135"},
    "librispeech-train-clean-100": {"url": "http://www.openslr.org/resources/12/train-clean-100.tar.gz",
                                    "md5": "2a93770f6d5c6c964bc36631d331a522"},
    "kits19": {"git": "https://github.com/neheller/kits19", "version": "master", "md5": None},
}


def model_spec(name):
    """The registry entry of a model (aliases resolved); UnknownChoiceError lists the choices."""
    key = MODEL_ALIASES.get(name, name)
    if key not in MODELS:
        raise UnknownChoiceError("model", name, list(MODELS) + list(MODEL_ALIASES))
    return dict(MODELS[key], name=key)


def harness_spec(name):
    """Like model_spec, but only for models our reference LoadGen harness can run."""
    spec = model_spec(name)
    if spec.get("harness") != "reference":
        raise HarnessNotImplementedError(
            f"harness not implemented yet for {name}: its model, dataset and accuracy script are "
            f"registered ({spec['accuracy']}: {spec.get('accuracy_module') or spec.get('accuracy_script')}), "
            f"but the reference LoadGen harness supports only "
            f"{', '.join(n for n, m in MODELS.items() if m.get('harness') == 'reference')}")
    return spec


def check_backend(spec, backend):
    """Refuse a backend the harness cannot run this model with (the model decides, not the backend)."""
    allowed = spec.get("harness_backends")
    if allowed and backend not in allowed:
        raise UnknownChoiceError(f"backend for {spec['name']}", backend, allowed)
    return backend


def check_scenario(scenario):
    """The canonical scenario name (lower-case forms as upstream's results directories use them)."""
    return _spec.scenario(scenario).name


def check_mode(mode):
    if mode not in MODES:
        raise UnknownChoiceError("mode", mode, MODES)
    return mode
