"""Systems under test for LoadGen's four scenarios, on top of any Backend.

Offline: the one big query is split into batches on a worker thread.
SingleStream: inference inline in LoadGen's issue callback (lowest latency).
MultiStream: each query (samples_per_query samples) inline, in batches.
Server: a pool of worker threads; each takes queued samples and batches what is waiting.

Responses are the rows of a response encoder (cmperf.mlperf.responses): a fixed number of bytes
per sample, so one buffer per thread serves every model.
"""
import contextlib
import queue
import threading
import time

import numpy as np

from cmperf.core import progress as _progress


class BaseSUT:
    """LoadGen's "fast" SUT interface: queries arrive as (response ids, sample indices) lists,
    which saves building a QuerySample object per sample (this matters for small models)."""

    def __init__(self, lg, backend, qsl, responses, batch_size=1):
        self.lg, self.backend, self.qsl, self.responses = lg, backend, qsl, responses
        self.batch_size = max(1, int(batch_size))
        self.errors = []
        self.samples_done = 0
        self.samples_issued = 0
        self._Response = lg.QuerySampleResponse
        self._complete = lg.QuerySamplesComplete
        self._local = threading.local()  # one response buffer per calling thread (Server has several)

    def _buffer(self, n):
        """This thread's response buffer ([n, width] of the encoder's dtype) and its address
        (ndarray.ctypes costs ~1 us a call, so both are kept)."""
        loc = self._local
        if getattr(loc, "rows", 0) < n:  # first call, or a caller batch larger than --batch-size
            loc.rows = max(n, self.batch_size)
            loc.buf = np.empty((loc.rows, self.responses.width), self.responses.dtype)
            loc.addr = loc.buf.ctypes.data
        return loc.buf, loc.addr

    def _infer_into(self, out, indices):
        """The response rows of these samples into ``out`` (one row each); a failed batch is
        recorded and gets the encoder's fill, so LoadGen's bookkeeping stays consistent."""
        try:
            rows = self.responses(self.backend.predict(self.qsl.batch(indices)))
            if len(rows) != len(out):
                raise RuntimeError(f"backend returned {len(rows)} results for {len(out)} samples")
            out[...] = rows
        except Exception as e:
            self.errors.append(repr(e))
            out[...] = self.responses.fill

    def _run_and_complete(self, ids, indices):
        """Infer one batch and report it to LoadGen."""
        if getattr(self.responses, "variable", False):   # detections, volumes, transcripts
            from .varlen import run_and_complete
            run_and_complete(self, ids, indices)
            return
        n = len(ids)
        buf, addr = self._buffer(n)
        self._infer_into(buf[:n], indices)
        size = buf.itemsize * buf.shape[1]
        addrs = range(addr, addr + n * size, size)
        self._complete(list(map(self._Response, ids, addrs, [size] * n)))  # LoadGen copies the data now
        self.samples_done += n

    def issue_queries(self, ids, indices):
        raise NotImplementedError

    @contextlib.contextmanager
    def progress(self, label, total=None, expected_s=None, mode="performance", every=None):
        """Report the test live through cmperf.core.progress from a ticker thread, so the query
        path only bumps two counters: elapsed, expected duration, samples issued/completed,
        throughput (or the mean latency of one-sample queries) over the last interval."""
        stop = threading.Event()
        single = isinstance(self, SingleStreamSUT)
        self._t0 = time.monotonic()
        with _progress.Task(label, total=total, unit="samples", mode=mode, every=every,
                            expected_s=expected_s) as task:
            period = min(task.every, 5.0)

            def tick():
                last_t, last_n = time.monotonic(), 0
                while not stop.wait(period):
                    now, n = time.monotonic(), self.samples_done
                    rate = (n - last_n) / (now - last_t) if now > last_t else 0.0
                    last_t, last_n = now, n
                    task.update(n, detail=self._detail(mode, rate, single, expected_s))

            t = threading.Thread(target=tick, name="loadgen-progress", daemon=True)
            t.start()
            try:
                yield task
            finally:
                stop.set()
                t.join()
            elapsed = task.elapsed   # the one-line summary is the task_done event's detail
            rate = self.samples_done / elapsed if elapsed > 0 else 0.0
            task.done = self.samples_done
            task.detail = (f"{mode}: {self.samples_done} samples in {elapsed:.1f} s, "
                           + (f"mean {1000.0 / rate:.3f} ms/query" if single and rate else f"{rate:.1f} samples/s"))

    def _detail(self, mode, rate, single, expected_s):
        bits = [mode, f"issued {self.samples_issued}", f"completed {self.samples_done}"]
        if rate:
            bits.append(f"mean latency {1000.0 / rate:.3f} ms" if single else f"{rate:.1f} samples/s")
        if expected_s:
            left = expected_s - (time.monotonic() - self._t0)
            bits.append(f"~{left:.0f} s of the {expected_s:.0f} s minimum left" if left > 0
                        else f"past the {expected_s:.0f} s minimum, finishing")
        return ", ".join(bits)

    def flush_queries(self):
        pass

    def start(self):
        pass

    def stop(self):
        pass


class SingleStreamSUT(BaseSUT):
    """One sample per query, inferred inline on LoadGen's issue thread. Everything between
    LoadGen's timestamps that is not the model is set up once here: on a busy machine every
    extra microsecond in that window also widens the chance of being preempted inside it."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self._fixed = not getattr(self.responses, "variable", False)
        if self._fixed:
            self._buf1, self._addr1 = self._buffer(1)   # LoadGen's issue thread is the only caller
            self._row1 = self._buf1[:1]
            self._size1 = self._buf1.itemsize * self._buf1.shape[1]

    def issue_queries(self, ids, indices):
        self.samples_issued += 1
        if not self._fixed or len(ids) != 1:
            self._run_and_complete(ids, indices)
            return
        self._infer_into(self._row1, indices)
        self._complete([self._Response(ids[0], self._addr1, self._size1)])  # LoadGen copies the data now
        self.samples_done += 1


class MultiStreamSUT(BaseSUT):
    def issue_queries(self, ids, indices):
        self.samples_issued += len(ids)
        bs = self.batch_size
        for i in range(0, len(ids), bs):
            self._run_and_complete(ids[i:i + bs], indices[i:i + bs])


class OfflineSUT(BaseSUT):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.queue = queue.Queue()
        self.thread = threading.Thread(target=self._work, name="offline-worker", daemon=True)

    def start(self):
        self.thread.start()

    def issue_queries(self, ids, indices):
        self.samples_issued += len(ids)
        self.queue.put((ids, indices))  # return at once: LoadGen's clock keeps running

    def _work(self):
        bs = self.batch_size
        while True:
            item = self.queue.get()
            if item is None:
                return
            ids, indices = item
            indices = np.asarray(indices, dtype=np.int64)
            for i in range(0, len(ids), bs):
                self._run_and_complete(ids[i:i + bs], indices[i:i + bs])

    def stop(self):
        self.queue.put(None)
        self.thread.join()


class ServerSUT(BaseSUT):
    def __init__(self, *a, workers=1, **kw):
        super().__init__(*a, **kw)
        self.queue = queue.Queue()
        self.threads = [threading.Thread(target=self._work, name=f"server-worker-{i}", daemon=True)
                        for i in range(max(1, int(workers)))]

    def start(self):
        for t in self.threads:
            t.start()

    def issue_queries(self, ids, indices):
        self.samples_issued += len(ids)
        for item in zip(ids, indices):
            self.queue.put(item)

    def _work(self):
        bs = self.batch_size
        while True:
            first = self.queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < bs:  # batch only what is already waiting: never delay a query
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    self.queue.put(None)  # leave the stop signal for this thread's next loop
                    break
                batch.append(item)
            ids, indices = zip(*batch)
            self._run_and_complete(list(ids), list(indices))

    def stop(self):
        for _ in self.threads:
            self.queue.put(None)
        for t in self.threads:
            t.join()


SUTS = {"Offline": OfflineSUT, "SingleStream": SingleStreamSUT, "MultiStream": MultiStreamSUT,
        "Server": ServerSUT}


def make_sut(scenario, lg, backend, qsl, responses, batch_size=1, workers=1):
    cls = SUTS[scenario]
    if cls is ServerSUT:
        return cls(lg, backend, qsl, responses, batch_size, workers=workers)
    return cls(lg, backend, qsl, responses, batch_size)
