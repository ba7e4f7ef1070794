"""One truthiness rule for env values, flags and metadata (upstream CM's words)."""

TRUE_WORDS = frozenset({"yes", "on", "true", "1"})
FALSE_WORDS = frozenset({"no", "off", "false", "0", ""})


def is_true(value):
    """True for True, 1 and the words yes/on/true/1 (any case); everything else is false."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in TRUE_WORDS
