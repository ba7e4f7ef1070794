"""The root of every cmperf exception: each domain error subclasses ``CmperfError``."""


class CmperfError(Exception):
    """A user-facing error: its message says what is wrong; ``hint`` says what to do."""

    rc = 1

    def __init__(self, message, *, hint=None):
        self.hint = hint
        super().__init__(message)

    def __str__(self):
        text = self.args[0] if self.args else ""
        return f"{text}\n{self.hint}" if self.hint else str(text)
