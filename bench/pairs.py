"""Paired A/B measurement for the bench/ scripts: alternate A and B, one ratio per pair.

On a shared 2-core machine a co-running process can halve a 2-thread backend for seconds, so
medians of A and of B measured at different times are not comparable. Each pair runs A and B
back to back (their order alternating pair by pair); the result is the median of the per-pair
ratios A/B, with its spread, and how busy the rest of the machine was.
"""
import os
import statistics
import time


def busy_seconds():
    """CPU seconds all processes have been busy (Linux /proc/stat), or None elsewhere."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = v
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measured(fn):
    """(fn(), cores busy meanwhile outside this process tree): a contention indicator."""
    b0, o0, w0 = busy_seconds(), own_seconds(), time.perf_counter()
    value = fn()
    b1, o1, w1 = busy_seconds(), own_seconds(), time.perf_counter()
    others = None if b0 is None else max(0.0, ((b1 - b0) - (o1 - o0)) / (w1 - w0))
    return value, others


def paired(a, b, pairs, ratio=lambda va, vb: va / vb):
    """Run ``pairs`` A/B pairs (order alternating); return a summary dict of per-pair ratios."""
    rows = []
    for i in range(pairs):
        order = ((0, a), (1, b)) if i % 2 == 0 else ((1, b), (0, a))
        got = {}
        for k, fn in order:
            got[k] = measured(fn)
        (va, oa), (vb, ob) = got[0], got[1]
        rows.append({"a": va, "b": vb, "ratio": ratio(va, vb), "others_cores": [oa, ob]})
    ratios = sorted(r["ratio"] for r in rows)
    q = statistics.quantiles(ratios, n=4) if len(ratios) >= 2 else [ratios[0]] * 3
    return {"pairs": rows, "median_ratio": statistics.median(ratios), "min": ratios[0], "max": ratios[-1],
            "iqr": [q[0], q[2]], "median_a": statistics.median(r["a"] for r in rows),
            "median_b": statistics.median(r["b"] for r in rows)}


def describe(name, s, unit, target):
    busy = [c for r in s["pairs"] for c in r["others_cores"] if c is not None]
    return (f"{name} = {s['median_ratio']:.3f}  (target {target}; median of {len(s['pairs'])} paired ratios, "
            f"IQR {s['iqr'][0]:.3f}-{s['iqr'][1]:.3f}, range {s['min']:.3f}-{s['max']:.3f}; "
            f"medians {s['median_a']:.4g} vs {s['median_b']:.4g} {unit}"
            + (f"; other processes used up to {max(busy):.2f} cores)" if busy else ")"))
