"""The cmperf script engine: resolve → plan → execute, as a plain library.

Entry points:
  * :func:`cmperf.engine.api.plan` — the whole request resolved into a Plan, with no side effect;
  * :func:`cmperf.engine.api.run` — plan a request, then run that plan (what `cm run script` does);
  * :class:`cmperf.engine.index.ScriptIndex` — find scripts by tags, alias or uid;
  * :class:`cmperf.engine.cache.CacheStore` — the cache of script outputs.

Everything raises :class:`cmperf.engine.errors.EngineError` subclasses; the CM automation
adapters in ``automation/`` turn those into CM's ``{'return': N, 'error': ...}`` dicts.
"""
