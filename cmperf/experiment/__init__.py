"""Experiments in CM's style: explore variables, run a wrapped command per step, keep every step
(inputs, results parsed from MLPerf logs, provenance) as files of an experiment artifact.

``explore`` (specs and substitution), ``collect`` (results a step left), ``runner`` (run a sweep,
replay a step), ``steps`` (read stored steps back), ``results`` (steps as report Results).
"""
