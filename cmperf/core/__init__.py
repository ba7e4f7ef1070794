"""The foundation every cmperf package shares: one copy of each small rule.

``errors`` (the root of every cmperf exception), ``truth`` (what counts as "yes" in env
values and flags), ``home`` (where CM state lives), ``atomic`` (files written whole, with
the modes the umask gives), ``jsonio`` (JSON objects read with errors naming the file),
``cm_hook`` (customize.py hooks: exceptions -> CM return dicts) and ``versions``.
Nothing here imports another cmperf package, so anything may import it cheaply.
"""
