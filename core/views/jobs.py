"""Long work (an upload batch, training) that outlives the page run that started it.

Streamlit stops a script run at any click, page switch or reload; work done inside the run
stops with it, half-way. Here work runs on one worker thread owned by the process: a page
submits a job and only polls its snapshot. A job's options are copied when it is submitted,
so nothing a person does afterwards (another category, another page) reaches it, and its
results stay until they are dismissed, for the page to show when the person comes back.
"""

from __future__ import annotations

import copy
import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

log = logging.getLogger(__name__)

QUEUED, RUNNING, STOPPING = "queued", "running", "stopping"
DONE, STOPPED, FAILED = "done", "stopped", "failed"
ACTIVE = (QUEUED, RUNNING, STOPPING)


class JobStopped(Exception):
    """Raised inside a job's work (via `JobControl.check_stop`) to end it at a clean point."""


@dataclass(frozen=True)
class JobSnapshot:
    """A job as a page sees it at one moment (copies: the worker never changes it)."""

    id: str
    kind: str
    options: Mapping[str, Any]
    labels: tuple[str, ...]  # one per input (a file name), in submission order
    results: tuple[Any, ...]  # per input: its result, or None while not done
    current: int | None  # the input being worked on
    state: str
    fraction: float  # 0..1; per-input jobs: done / total
    message: str  # the latest progress line (training: epoch and loss)
    error: str
    result: Any  # what the whole job returned
    submitted: datetime
    finished: datetime | None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def done(self) -> int:
        return sum(r is not None for r in self.results)

    @property
    def total(self) -> int:
        return len(self.labels)


@dataclass
class _Job:
    id: str
    kind: str
    options: Mapping[str, Any]
    labels: tuple[str, ...]
    work: Callable[[JobControl], Any]
    results: list[Any]
    submitted: datetime
    current: int | None = None
    state: str = QUEUED
    fraction: float = 0.0
    message: str = ""
    error: str = ""
    result: Any = None
    finished: datetime | None = None
    stop: threading.Event = field(default_factory=threading.Event)


class JobControl:
    """What a job's work sees: its fixed options, where to report, whether to stop."""

    def __init__(self, owner: JobQueue, job: _Job) -> None:
        self._owner = owner
        self._job = job

    @property
    def options(self) -> Mapping[str, Any]:
        return self._job.options

    def stop_requested(self) -> bool:
        return self._job.stop.is_set()

    def check_stop(self) -> None:
        """Raise JobStopped when a stop was asked for (call at clean points only)."""
        if self.stop_requested():
            raise JobStopped()

    def started(self, index: int) -> None:
        with self._owner._lock:
            self._job.current = index

    def item_done(self, index: int, result: Any) -> None:
        with self._owner._lock:
            self._job.results[index] = result
            self._job.current = None
            total = max(len(self._job.labels), 1)
            self._job.fraction = sum(r is not None for r in self._job.results) / total

    def report(self, fraction: float, message: str) -> None:
        with self._owner._lock:
            self._job.fraction = min(max(float(fraction), 0.0), 1.0)
            self._job.message = message


Work = Callable[[JobControl], Any]


class JobQueue:
    """Jobs run one at a time, in submission order, on a daemon thread started on demand."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._worker: threading.Thread | None = None
        self._closed = False

    def submit(self, kind: str, options: Mapping[str, Any], labels: Sequence[str],
               work: Work) -> str:
        """Queue `work`; `options` are deep-copied now and read-only from here on."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the job queue is closed")
            job_id = f"{kind}-{next(self._ids)}"
            self._jobs[job_id] = _Job(
                id=job_id, kind=kind, options=MappingProxyType(copy.deepcopy(dict(options))),
                labels=tuple(labels), work=work, results=[None] * len(labels),
                submitted=datetime.now(UTC),
            )
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="what2wear-jobs",
                                                daemon=True)
                self._worker.start()
        self._queue.put(job_id)
        return job_id

    def get(self, job_id: str) -> JobSnapshot:
        """The job now; KeyError when there is none (dismissed)."""
        with self._lock:
            return self._snapshot(self._jobs[job_id])

    def jobs(self, kind: str | None = None) -> list[JobSnapshot]:
        """Jobs not dismissed, oldest first."""
        with self._lock:
            return [self._snapshot(j) for j in self._jobs.values() if kind in (None, j.kind)]

    def stop(self, job_id: str) -> None:
        """A queued job never starts; a running one finishes its current step, then stops."""
        with self._lock:
            job = self._jobs[job_id]
            job.stop.set()
            if job.state == QUEUED:
                job.state, job.finished = STOPPED, datetime.now(UTC)
            elif job.state == RUNNING:
                job.state = STOPPING

    def dismiss(self, job_id: str) -> None:
        """Forget a finished job; ValueError while it is still queued or running."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return
            if job.state in ACTIVE:
                raise ValueError("a job still running cannot be dismissed; stop it first")
            del self._jobs[job_id]

    def wait(self, job_id: str, timeout: float | None = None) -> JobSnapshot:
        """Block until the job has finished (for the CLI and tests); its snapshot."""
        start = time.monotonic()
        while True:
            snap = self.get(job_id)
            if not snap.active:
                return snap
            if timeout is not None and time.monotonic() - start >= timeout:
                raise TimeoutError(f"job {job_id} still {snap.state} after {timeout}s")
            time.sleep(0.05)

    def close(self, timeout: float = 30.0) -> None:
        """Stop every job at its next clean point and wait for the worker to end."""
        with self._lock:
            self._closed = True
            for job in self._jobs.values():
                job.stop.set()
            worker = self._worker
        self._queue.put(None)
        if worker is not None:
            worker.join(timeout)

    # --- the worker -----------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            with self._lock:
                job = self._jobs.get(job_id)
                if job is None or job.state != QUEUED:
                    continue  # stopped before it started, or dismissed
                job.state = RUNNING
            state, result, error = DONE, None, ""
            try:
                result = job.work(JobControl(self, job))
            except JobStopped:
                state = STOPPED
            except Exception as exc:  # the job fails, the worker goes on with the next one
                log.exception("job %s failed", job_id)
                state, error = FAILED, str(exc) or type(exc).__name__
            with self._lock:
                if state == DONE and job.stop.is_set():
                    state = STOPPED
                job.state, job.result, job.error = state, result, error
                job.current, job.finished = None, datetime.now(UTC)

    @staticmethod
    def _snapshot(job: _Job) -> JobSnapshot:
        return JobSnapshot(
            id=job.id, kind=job.kind, options=job.options, labels=job.labels,
            results=tuple(job.results), current=job.current, state=job.state,
            fraction=job.fraction, message=job.message, error=job.error, result=job.result,
            submitted=job.submitted, finished=job.finished,
        )
