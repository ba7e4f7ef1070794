"""MLPerf Inference submission packaging and checking.

Modules: ``logs`` (LoadGen log parsing), ``rounds`` (per-round rule constants),
``checker`` (our submission checker), ``generate`` (results dir -> submission tree),
``system_desc`` (systems/<system>.json), ``infer`` (scenario inference),
``compliance`` (TEST01/04/05 audit configs and verification), ``summary``.
"""
