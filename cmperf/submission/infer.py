"""Scenario inference (edge systems): MultiStream and Offline from a SingleStream run.

MLPerf lets an edge submission report a scenario from another scenario's run: MultiStream from
SingleStream (p99 early-stopping latency x 8 samples) and Offline from SingleStream (QPS without
LoadGen overhead) or MultiStream. The logs are copied unchanged (their effective_scenario stays
the measured one, which is how the checkers recognise an inferred result).
"""
from .rounds import EDGE_INFERABLE as INFERABLE_FROM   # the rule the checker holds inferred results to


def plan_inference(available, wanted):
    """{target scenario: source scenario} for each wanted scenario that is missing but inferable."""
    plan = {}
    for target in wanted:
        if target in available:
            continue
        for source in INFERABLE_FROM.get(target, ()):
            if source in available:
                plan[target] = source
                break
    return plan


def edge_scenarios(category, model):
    """The scenarios worth inferring: the model's required ones, on edge systems only (resnet
    needs MultiStream on edge, bert has no MultiStream at all)."""
    return model.required_scenarios.get(category, ()) if "edge" in category else ()
