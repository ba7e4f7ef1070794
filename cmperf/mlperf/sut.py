"""Systems under test for LoadGen's four scenarios, on top of any Backend.

Offline: the one big query is split into batches on a worker thread.
SingleStream: inference inline in LoadGen's issue callback (lowest latency).
MultiStream: each query (samples_per_query samples) inline, in batches.
Server: a pool of worker threads; each takes queued samples and batches what is waiting.

Responses carry the predicted class index as int32, as the imagenet accuracy script reads them.
"""
import queue
import threading

import numpy as np

RESPONSE_DTYPE = np.int32


class Postprocess:
    """Model output -> class indices (int32), undoing the model's label offset."""

    def __init__(self, output_kind, label_offset=0):
        if output_kind not in ("scores", "argmax"):
            raise ValueError(f"unknown output kind {output_kind!r}")
        self.kind, self.offset = output_kind, int(label_offset)

    def __call__(self, out):
        out = np.asarray(out)
        if self.kind == "scores":
            cls = out.reshape(len(out), -1).argmax(axis=1)
        else:
            cls = out.reshape(len(out))
        if self.offset:
            cls = cls - self.offset
        return cls.astype(RESPONSE_DTYPE, copy=False)


class BaseSUT:
    def __init__(self, lg, backend, qsl, postprocess, batch_size=1):
        self.lg, self.backend, self.qsl, self.post = lg, backend, qsl, postprocess
        self.batch_size = max(1, int(batch_size))
        self.errors = []
        self.samples_done = 0

    def _run_and_complete(self, samples):
        """Infer one batch of QuerySamples and report them to LoadGen."""
        lg = self.lg
        try:
            idx = [s.index for s in samples]
            preds = self.post(self.backend.predict(self.qsl.batch(idx)))
            if len(preds) != len(samples):
                raise RuntimeError(f"backend returned {len(preds)} results for {len(samples)} samples")
        except Exception as e:  # report, but keep LoadGen's bookkeeping consistent
            self.errors.append(repr(e))
            preds = np.full(len(samples), -1, RESPONSE_DTYPE)
        preds = np.ascontiguousarray(preds)
        base, size = preds.ctypes.data, preds.itemsize
        responses = [lg.QuerySampleResponse(s.id, base + i * size, size) for i, s in enumerate(samples)]
        lg.QuerySamplesComplete(responses)  # LoadGen copies the data before returning
        self.samples_done += len(samples)

    def issue_queries(self, samples):
        raise NotImplementedError

    def flush_queries(self):
        pass

    def start(self):
        pass

    def stop(self):
        pass


class SingleStreamSUT(BaseSUT):
    def issue_queries(self, samples):
        self._run_and_complete(samples)


class MultiStreamSUT(BaseSUT):
    def issue_queries(self, samples):
        bs = self.batch_size
        for i in range(0, len(samples), bs):
            self._run_and_complete(samples[i:i + bs])


class OfflineSUT(BaseSUT):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.queue = queue.Queue()
        self.thread = threading.Thread(target=self._work, name="offline-worker", daemon=True)

    def start(self):
        self.thread.start()

    def issue_queries(self, samples):
        self.queue.put(list(samples))  # return at once: LoadGen's clock keeps running

    def _work(self):
        bs = self.batch_size
        while True:
            samples = self.queue.get()
            if samples is None:
                return
            for i in range(0, len(samples), bs):
                self._run_and_complete(samples[i:i + bs])

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

    def issue_queries(self, samples):
        for s in samples:
            self.queue.put(s)

    def _work(self):
        bs = self.batch_size
        while True:
            first = self.queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < bs:  # batch only what is already waiting: never delay a query
                try:
                    s = self.queue.get_nowait()
                except queue.Empty:
                    break
                if s is None:
                    self.queue.put(None)  # leave the stop signal for this thread's next loop
                    break
                batch.append(s)
            self._run_and_complete(batch)

    def stop(self):
        for _ in self.threads:
            self.queue.put(None)
        for t in self.threads:
            t.join()


SUTS = {"Offline": OfflineSUT, "SingleStream": SingleStreamSUT, "MultiStream": MultiStreamSUT,
        "Server": ServerSUT}


def make_sut(scenario, lg, backend, qsl, postprocess, batch_size=1, workers=1):
    cls = SUTS[scenario]
    if cls is ServerSUT:
        return cls(lg, backend, qsl, postprocess, batch_size, workers=workers)
    return cls(lg, backend, qsl, postprocess, batch_size)
