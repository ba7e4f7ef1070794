"""KiTS19 (MLPerf 3D-UNet): the reference's preprocessing, sliding-window inference and mean DICE.

Constants and steps follow vision/medical_imaging/3d-unet-kits19 of mlcommons/inference
(global_vars.py, preprocess.py, inference_utils.py, base_SUT.py, accuracy_kits.py).
"""
