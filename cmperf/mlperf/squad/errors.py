"""The one exception type of the SQuAD package.

Every bad input (missing file, malformed JSON, a features dir built from other
data, a LoadGen log that does not fit) raises :class:`SquadError` with a message
that names the file and says what to do; the CLIs turn it into exit status 2.
"""
from cmperf.core.errors import CmperfError


class SquadError(CmperfError):
    """Bad SQuAD/BERT input or an inconsistent artifact; the message is user-facing."""
