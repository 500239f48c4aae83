"""Training as a job: it runs on the job worker, so leaving the Model page does not stop it.

The model service writes the new model to a fresh folder and swaps it in only when training
succeeds, so a stopped or failed job leaves the previous model active.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.views.jobs import QUEUED, JobControl, JobQueue

if TYPE_CHECKING:
    from core.learning.service import ModelService
    from core.wardrobe.service import Wardrobe
    from models.train import TrainProgress

TRAIN = "train"


def submit_training(jobs: JobQueue, service: ModelService, wardrobe: Wardrobe,
                    epochs: int) -> str:
    """Queue a training run with `epochs` fixed now; Stop ends it at the next step."""

    def work(control: JobControl) -> dict[str, Any]:
        def progress(p: TrainProgress) -> None:
            rounds = int(control.options["epochs"])  # said as people would: rounds, no loss
            control.report(p.step / max(p.total_steps, 1),
                           f"learning from your outfits: round {p.epoch + 1} of {rounds}")
            control.check_stop()  # raising here leaves the old model in place

        return service.train_on_wardrobe(wardrobe, epochs=int(control.options["epochs"]),
                                         progress=progress)

    return jobs.submit(TRAIN, {"epochs": int(epochs)}, [], work)


TASTE = "taste"


def submit_taste_update(jobs: JobQueue, service: ModelService, wardrobe: Wardrobe) -> str:
    """Queue a refit of the personal taste layer (after a like, dislike or wear); an update
    already waiting covers this reaction too, so none is queued twice."""
    waiting = [j for j in jobs.jobs(TASTE) if j.state == QUEUED]
    if waiting:
        return waiting[0].id

    def work(control: JobControl) -> dict[str, Any]:
        control.report(0.0, "learning your taste from your feedback")
        state = service.update_personal(wardrobe)
        return {"adopted": state.adopted, "reason": state.reason, "events": state.events}

    return jobs.submit(TASTE, {}, [], work)
