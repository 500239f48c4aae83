"""The job queue that runs uploads and training outside a page run (core/views/jobs.py).

Work functions here are plain callables driven by threading events, so each test decides
exactly when a step starts and ends and races cannot hide a wrong state.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from core.views.jobs import DONE, FAILED, QUEUED, RUNNING, STOPPED, JobControl, JobQueue

WAIT_S = 10


@pytest.fixture
def jobs() -> Iterator[JobQueue]:
    queue = JobQueue()
    yield queue
    queue.close(timeout=WAIT_S)


def stepper(steps: int, gates: list[threading.Event], reached: list[threading.Event]):
    """Work of `steps` items; item i starts, signals `reached[i]`, waits for `gates[i]`."""

    def work(control: JobControl) -> str:
        for i in range(steps):
            if control.stop_requested():
                break
            control.started(i)
            reached[i].set()
            assert gates[i].wait(WAIT_S)
            control.item_done(i, f"{control.options['tag']}-{i}")
        return "finished"

    return work


def events(n: int) -> list[threading.Event]:
    return [threading.Event() for _ in range(n)]


def test_options_are_fixed_at_submit_and_progress_is_per_item(jobs: JobQueue) -> None:
    gates, reached = events(3), events(3)
    options = {"tag": "tops", "nested": ["a"]}
    job_id = jobs.submit("upload", options, ["a.jpg", "b.jpg", "c.jpg"],
                         stepper(3, gates, reached))
    options["tag"] = "shoes"  # the page's widgets change after submitting...
    options["nested"].append("b")
    assert reached[0].wait(WAIT_S)
    snap = jobs.get(job_id)
    assert snap.state == RUNNING and snap.current == 0 and snap.done == 0 and snap.total == 3
    gates[0].set()
    assert reached[1].wait(WAIT_S)
    snap = jobs.get(job_id)
    assert snap.results[0] == "tops-0" and snap.done == 1 and snap.fraction == pytest.approx(1 / 3)
    gates[1].set()
    gates[2].set()
    snap = jobs.wait(job_id, WAIT_S)
    assert snap.state == DONE and snap.result == "finished"
    assert snap.results == ("tops-0", "tops-1", "tops-2")  # ...the job never saw it
    assert dict(snap.options) == {"tag": "tops", "nested": ["a"]}
    with pytest.raises(TypeError):
        snap.options["tag"] = "bags"  # type: ignore[index]


def test_stop_finishes_the_current_item_then_stops(jobs: JobQueue) -> None:
    gates, reached = events(3), events(3)
    job_id = jobs.submit("upload", {"tag": "t"}, ["a", "b", "c"], stepper(3, gates, reached))
    assert reached[0].wait(WAIT_S)
    jobs.stop(job_id)
    assert jobs.get(job_id).state == "stopping"
    gates[0].set()  # the photo being worked on is finished cleanly
    snap = jobs.wait(job_id, WAIT_S)
    assert snap.state == STOPPED
    assert snap.results == ("t-0", None, None) and not reached[1].is_set()


def test_jobs_run_one_at_a_time_and_a_queued_one_can_be_stopped(jobs: JobQueue) -> None:
    gates, reached = events(1), events(1)
    first = jobs.submit("upload", {"tag": "x"}, ["a"], stepper(1, gates, reached))
    ran: list[str] = []
    second = jobs.submit("train", {}, [], lambda control: ran.append("second"))
    third = jobs.submit("train", {}, [], lambda control: ran.append("third"))
    assert reached[0].wait(WAIT_S)
    assert jobs.get(second).state == QUEUED
    jobs.stop(second)
    assert jobs.get(second).state == STOPPED
    gates[0].set()
    assert jobs.wait(third, WAIT_S).state == DONE
    assert jobs.get(first).state == DONE and ran == ["third"]
    assert [j.id for j in jobs.jobs("train")] == [second, third]


def test_a_failing_job_is_reported_and_the_worker_goes_on(jobs: JobQueue) -> None:
    def broken(control: JobControl) -> None:
        raise OSError("disk full")

    bad = jobs.submit("upload", {}, ["a"], broken)
    good = jobs.submit("upload", {}, [], lambda control: 42)
    assert jobs.wait(good, WAIT_S).result == 42
    failed = jobs.get(bad)
    assert failed.state == FAILED and failed.error == "disk full"


def test_results_stay_until_dismissed_and_running_jobs_cannot_be(jobs: JobQueue) -> None:
    gates, reached = events(1), events(1)
    job_id = jobs.submit("upload", {"tag": "x"}, ["a"], stepper(1, gates, reached))
    assert reached[0].wait(WAIT_S)
    with pytest.raises(ValueError, match="stop it first"):
        jobs.dismiss(job_id)
    gates[0].set()
    jobs.wait(job_id, WAIT_S)
    assert [j.id for j in jobs.jobs()] == [job_id]  # still there for the page to show
    jobs.dismiss(job_id)
    assert jobs.jobs() == []
    with pytest.raises(KeyError):
        jobs.get(job_id)


def test_check_stop_ends_work_at_a_clean_point(jobs: JobQueue) -> None:
    reached, gate = threading.Event(), threading.Event()
    steps: list[int] = []

    def work(control: JobControl) -> None:
        for step in range(100):
            control.report(step / 100, f"step {step}")
            if step == 1:
                reached.set()
                gate.wait(WAIT_S)
            control.check_stop()
            steps.append(step)

    job_id = jobs.submit("train", {"epochs": 3}, [], work)
    assert reached.wait(WAIT_S)
    jobs.stop(job_id)
    gate.set()
    snap = jobs.wait(job_id, WAIT_S)
    assert snap.state == STOPPED and steps == [0] and snap.message == "step 1"
