"""Training as a job: it runs on the job worker, so leaving the Model page does not stop it.

The model service writes the new model to a fresh folder and swaps it in only when training
succeeds, so a stopped or failed job leaves the previous model active.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.views.jobs import JobControl, JobQueue

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
            control.report(p.step / max(p.total_steps, 1),
                           f"epoch {p.epoch + 1}, step {p.step}/{p.total_steps}, "
                           f"loss {p.loss:.3f}")
            control.check_stop()  # raising here leaves the old model in place

        return service.train_on_wardrobe(wardrobe, epochs=int(control.options["epochs"]),
                                         progress=progress)

    return jobs.submit(TRAIN, {"epochs": int(epochs)}, [], work)
