"""Whole-tree hygiene: root files, division names, hidden files, empty dirs, sizes, names.

v3.1 (to v5.x) rejects a submitter for any of these; the v6.x checker checks none of them,
so for v6.1 our findings are marked as stricter than the official checker.
"""
import os

from .. import rounds


def check_root(ctx):
    """Root may only hold *.md / *.pdf files and division folders. Returns the division dirs."""
    divisions = []
    for name in sorted(os.listdir(ctx.root)):
        path = os.path.join(ctx.root, name)
        if os.path.isfile(path) or os.path.islink(path):
            if not name.lower().endswith((".md", ".pdf")):
                ctx.report.error("root.stray-file", ctx.rel(path),
                                 "only *.md and *.pdf files are allowed at the submission root; "
                                 "move or delete this file", official=ctx.rules.hygiene_official)
            continue
        if name in rounds.IGNORED_DIVISION_DIRS:
            continue
        if name not in rounds.DIVISIONS:
            ctx.report.error("root.division-name", ctx.rel(path),
                             f"invalid division '{name}' (expected one of {', '.join(rounds.DIVISIONS)})")
            continue
        divisions.append(name)
    return divisions


def check_division_dir(ctx, division_path):
    for name in sorted(os.listdir(division_path)):
        path = os.path.join(division_path, name)
        if not os.path.isdir(path):
            ctx.report.error("root.division-file", ctx.rel(path),
                             "a division folder may only contain submitter folders")


def check_tree(ctx, submitter_path):
    """Hidden files, spaces, __pycache__, broken links, big files and empty dirs under a submitter."""
    official = ctx.rules.hygiene_official
    for dirpath, dirnames, filenames in os.walk(submitter_path):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = ctx.rel(path)
            if name.startswith("."):
                ctx.report.error("hygiene.hidden", rel, "hidden file or folder (names may not start with '.')",
                                 official=official)
            if " " in name:
                ctx.report.error("hygiene.space", rel, "file and folder names may not contain spaces",
                                 official=official)
            if name == "__pycache__":
                ctx.report.error("hygiene.pycache", rel, "__pycache__ folders are not allowed", official=official)
            if os.path.islink(path) and not os.path.exists(path):
                ctx.report.error("hygiene.broken-link", rel, "broken symbolic link", official=official)
            elif name in filenames and os.path.isfile(path) and os.path.getsize(path) > rounds.MAX_FILE_BYTES:
                ctx.report.error("hygiene.big-file", rel,
                                 f"file is larger than {rounds.MAX_FILE_BYTES // (1024 * 1024)} MB", official=official)
        if not dirnames and not filenames:
            ctx.report.error("hygiene.empty-dir", ctx.rel(dirpath), "empty folder", official=official)


def check_calibration_doc(ctx, tree):
    """The rounds that ask closed (and network) submitters to describe their quantization and
    calibration in calibration.md (v5.1): at the submitter folder or under documentation/."""
    if tree.division not in ctx.rules.calibration_doc_divisions:
        return
    places = [os.path.join(tree.path, d, rounds.CALIBRATION_DOC) for d in rounds.CALIBRATION_DOC_PLACES]
    if not any(os.path.isfile(p) for p in places):
        ctx.report.error("submitter.calibration-doc", ctx.rel(tree.path),
                         f"the {ctx.rules.version} checker requires {rounds.CALIBRATION_DOC} in the "
                         f"{tree.division} division (here or in documentation/): describe the quantization "
                         "and calibration the submission used")
