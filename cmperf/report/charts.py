"""Charts as PNG files (matplotlib, Agg backend). Every function refuses empty input with
NoDataError before drawing anything, and writes the file atomically."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .atomic import atomic_path  # noqa: E402
from .errors import NoDataError  # noqa: E402
from .results import higher_is_better, metric_label  # noqa: E402
from .tables import fmt  # noqa: E402

PUBLISHED, HIGHLIGHT = "#4c72b0", "#dd8452"


def _save(fig, path):
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _short(text, width=48):
    return text if len(text) <= width else text[: width - 1] + "…"


def ranking_chart(ranked, title, path, per_accelerator=False):
    """Horizontal bars, best at the top; results that are not published rows are highlighted."""
    if not ranked:
        raise NoDataError(f"nothing to plot for {title!r}")
    scenario = ranked[0].result.scenario
    labels = [_short(f"{x.rank}. {x.result.label}", 44 if per_accelerator else 48)
              + (f" [{x.result.accelerators_per_node}x]" if per_accelerator else "") for x in ranked]
    values = [x.value for x in ranked]
    colors = [PUBLISHED if x.result.origin == "published" else HIGHLIGHT for x in ranked]
    fig, ax = plt.subplots(figsize=(9, 0.9 + 0.38 * len(ranked)))
    bars = ax.barh(range(len(ranked)), values, color=colors)
    ax.set_yticks(range(len(ranked)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(metric_label(scenario) + (" per accelerator" if per_accelerator else ""))
    ax.set_title(title, fontsize=10)
    ax.bar_label(bars, [fmt(v) for v in values], padding=3, fontsize=7)
    ax.margins(x=0.15)
    if len(set(values)) > 1 and max(values) / min(values) > 1000:
        ax.set_xscale("log")
    return _save(fig, path)


def comparison_chart(cmp, title, path):
    """One panel per (model, scenario), one bar per compared value (implementation, backend, ...)."""
    if not cmp.rows:
        raise NoDataError(f"nothing to plot for {title!r}")
    # a panel with a single bar compares nothing; the table still lists those rows
    rows_to_plot = [row for row in cmp.rows if len(row[2]) > 1] or cmp.rows
    colors = {c: plt.cm.tab10(i % 10) for i, c in enumerate(cmp.columns)}
    n = len(rows_to_plot)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 2.8 * rows), squeeze=False)
    for ax, (model, scenario, cells) in zip(axes.flat, rows_to_plot):
        names = [c for c in cmp.columns if c in cells]
        values = [cells[c].value for c in names]
        bars = ax.bar(range(len(names)), values, color=[colors[c] for c in names])
        ax.bar_label(bars, [fmt(v) for v in values], fontsize=7)
        ax.set_xticks([])
        ax.set_title(f"{model} {scenario}", fontsize=9)
        ax.set_ylabel(metric_label(scenario), fontsize=7)
        ax.margins(y=0.2)
        if max(values) / min(values) > 100:
            ax.set_yscale("log")
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[c]) for c in cmp.columns]
    fig.legend(handles, [_short(c, 70) for c in cmp.columns], loc="lower center",
               ncol=1 if len(cmp.columns) > 3 else len(cmp.columns), fontsize=8,
               bbox_to_anchor=(0.5, -0.02 - 0.035 * max(0, len(cmp.columns) - 3)))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return _save(fig, path)


def leads_chart(leads, title, path):
    """Winner vs runner-up per model, as a ratio to the runner-up (so models of different scales
    share one axis)."""
    leads = [l for l in leads if l.runner_up is not None]
    if not leads:
        raise NoDataError(f"nothing to plot for {title!r}")
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.6 * len(leads)))
    names = [f"{l.model} {l.scenario}" for l in leads]
    bars = ax.barh(names, [l.ratio for l in leads], color=PUBLISHED)
    ax.bar_label(bars, [f"{l.ratio:.2f}x  ({fmt(l.winner.value)} vs {fmt(l.runner_up.value)}, "
                        f"{_short(l.runner_up.system_name, 30)})" for l in leads], fontsize=7, padding=3)
    ax.axvline(1.0, color="grey", lw=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("winner / runner-up (1.0 = tie)")
    ax.set_title(title, fontsize=10)
    ax.margins(x=0.9)
    return _save(fig, path)


def series_chart(series, x_name, y_label, title, path, scenario="Offline"):
    """A metric against an explored variable: one line per series (model, backend, ...)."""
    series = {k: sorted(v) for k, v in series.items() if v}
    if not series:
        raise NoDataError(f"nothing to plot for {title!r}")
    fig, ax = plt.subplots(figsize=(8, 4.8))
    pick = max if higher_is_better(scenario) else min
    for i, (name, points) in enumerate(sorted(series.items())):
        xs, ys = zip(*points)
        line, = ax.plot(xs, ys, marker="o", label=_short(name, 50), color=plt.cm.tab20(i % 20))
        bx, by = pick(points, key=lambda p: p[1])
        ax.plot([bx], [by], marker="*", ms=12, color=line.get_color())
    xs_all = sorted({x for pts in series.values() for x, _ in pts})
    if xs_all[0] > 0 and xs_all[-1] / xs_all[0] >= 16:   # batch sizes 1..64 spread evenly
        ax.set_xscale("log", base=2)
    ax.set_xticks(xs_all, [f"{x:g}" for x in xs_all])
    ax.minorticks_off()
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_label)
    ax.set_title(title + "  (star: best point of each line)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ys_all = [y for pts in series.values() for _, y in pts]
    if max(ys_all) / min(ys_all) > 30:
        ax.set_yscale("log")
    return _save(fig, path)
