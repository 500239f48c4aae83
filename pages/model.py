"""Model: what the outfit model does for you, how sure it is and what it learned, in plain
words; train it on your outfits and check it; the numbers behind "Details"."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from base.words import count
from core.learning.service import (
    MIN_TRAINING_OUTFITS,
    ActiveModel,
    ModelService,
    ScoreDistribution,
    TrainingData,
    training_metrics,
)
from core.views.jobs import JobSnapshot
from core.views.model_words import how_sure, what_it_does, what_it_learned
from core.views.suggestions import unscored_slots
from core.views.training import TASTE, TRAIN, submit_taste_update, submit_training
from core.wardrobe.service import Wardrobe
from ui import resources
from ui.actions import act, show_messages
from ui.page import run_page
from ui.text import plain

state = st.session_state


def summary(wardrobe: Wardrobe, service: ModelService, active: ActiveModel,
            available: TrainingData) -> None:
    """What the model does for you, how sure it is, what it learned: plain words first."""
    if active.message:
        st.warning(plain(active.message))
    st.markdown(what_it_does(active, wardrobe.status.encoder_ready))
    st.markdown("**How sure it is**")
    trained = active.version != "identity"
    st.markdown(how_sure(service.last_evaluation(active.version), trained))
    st.markdown("**What it learned**")
    lines = what_it_learned(active, available.outfits, available.disliked,
                            unscored_slots(active.model))
    st.markdown("\n".join(f"- {line}" for line in lines))


def encoder_box(wardrobe: Wardrobe) -> None:
    st.markdown("**Encoder (FashionCLIP)**")
    st.caption(plain(wardrobe.settings.clip_model))
    if wardrobe.status.encoder_ready:
        st.markdown(":material/check_circle: loaded")
    else:
        st.markdown(f":material/cancel: not loaded — {plain(wardrobe.status.encoder_message or 'unknown reason')}")
        st.caption("See Settings for how to point the app at a local copy.")


def compat_box(service: ModelService, active: ActiveModel) -> None:
    st.markdown("**Compatibility model**")
    st.caption(plain(active.name))
    st.caption(f"Version {plain(active.version)}. The identity model (used until one is trained) "
               "scores an outfit by the mean cosine similarity of its pieces' FashionCLIP image "
               "embeddings; a trained one first maps each embedding through what it learned.")
    training = training_metrics(active.info)
    if training:
        members = training.get("members")
        each = f" for each of its {plain(members)} nets (their scores are averaged)" if members else ""
        st.caption(f"Trained {plain(str(active.info.get('trained', ''))[:16])} on "
                   f"{plain(training.get('n_train', '?'))} outfits, "
                   f"{plain(training.get('epochs', '?'))} epochs{each}, "
                   f"{plain(training.get('train_time_s', '?'))} s.")
    last = service.last_evaluation(active.version)
    if not last:
        st.caption("Not evaluated yet.")
        return
    m1, m2, m3 = st.columns(3)
    m1.metric("AUC", f"{last['auc']:.3f}", help="Real outfits vs. scrambled ones; 0.5 = chance.")
    m2.metric("Fill in the blank", f"{last['fitb_accuracy']:.0%}",
              help="Picks the right piece among 4; 25% = chance.")
    m3.metric("Outfits", plain(last.get("n_outfits", "?")))
    st.caption(f"Last evaluated {plain(str(last.get('evaluated', ''))[:16])} on your wardrobe. "
               "AUC: how often a real outfit scores above a scrambled one; fill in the blank: "
               "how often the right piece is picked among 4.")


def train_section(wardrobe: Wardrobe, service: ModelService, available: TrainingData) -> None:
    st.subheader("Teach it your outfits")
    st.markdown(
        f"Your wardrobe has **{count(available.outfits, 'outfit')}** to learn from (your saved outfits: "
        f"outfit photos, outfits you put together, suggestions you saved or liked) and "
        f"**{count(available.disliked, 'disliked suggestion')}** it learns to avoid. Unsaved outfits "
        "are left out (see **Outfits**)."
    )
    epochs = st.slider("Training rounds (epochs)", 10, 300, 60, step=10, key="train_epochs",
                       help="More rounds learn your outfits more closely and take longer.")
    if not available.enough:
        st.info(f"Training needs at least {MIN_TRAINING_OUTFITS} outfits. Upload full-body outfit "
                "photos on the Wardrobe page, or like and save suggestions; until then outfits "
                "are ranked by how alike their pieces look in the photos.")
    jobs = resources.jobs().jobs(TRAIN)
    running = any(j.active for j in jobs)
    if st.button("Train on my wardrobe", type="primary", key="train",
                 disabled=not available.enough or running):
        submit_training(resources.jobs(), service, wardrobe, epochs)
        st.rerun()
    state["training_at_full_run"] = [j.id for j in jobs if j.active]
    st.fragment(training_progress, run_every=1.0 if running else None)()
    for job in reversed([j for j in jobs if not j.active]):
        finished_training(job)


def training_progress() -> None:
    """The running training, polled every second; the whole page reruns when it ends (the
    new model then shows as active)."""
    jobs = [j for j in resources.jobs().jobs(TRAIN) if j.active]
    if {j.id for j in jobs} != set(state.get("training_at_full_run", ())):
        st.rerun(scope="app")
    for job in jobs:
        with st.container(border=True, key=f"job-{job.id}"):
            st.markdown(f":material/progress_activity: **Learning from your outfits, "
                        f"{job.options['epochs']} rounds** — you can leave this page, it keeps "
                        "running. The current model stays in use until the new one is ready.")
            st.progress(job.fraction, text=plain(job.message or "starting…"))
            st.button("Stop training", icon=":material/stop_circle:", key=f"stop-{job.id}",
                      disabled=job.state != "running",
                      help="Stops at the next step; the current model stays active.",
                      on_click=act, args=("Stopping", stop_training, job.id))


def stop_training(job_id: str) -> str:
    resources.jobs().stop(job_id)
    return "Stopping training; the current model stays active."


def dismiss(job_id: str) -> None:
    resources.jobs().dismiss(job_id)


def finished_training(job: JobSnapshot) -> None:
    with st.container(horizontal=True, vertical_alignment="center"):
        if job.state == "done":
            metrics = job.result or {}
            st.success(f"Trained in {plain(metrics.get('train_time_s', '?'))} s; the new model "
                       "is active.")
        elif job.state == "stopped":
            st.info("Training was stopped; the previous model is still active.")
        else:
            st.error(f"Training failed: {plain(job.error)}. The previous model is still "
                     "active.")
        st.button("Dismiss", key=f"dismiss-{job.id}", on_click=dismiss, args=(job.id,))


def taste_section(wardrobe: Wardrobe, service: ModelService) -> None:
    """What the personal taste layer learned from likes, dislikes and wears, and Reset."""
    st.subheader("Your personal taste")
    st.caption("Every like, dislike and wear refits a small taste layer on top of the model; it "
               "is used only if it predicts your held-out reactions better than the model alone.")
    if any(j.active for j in resources.jobs().jobs(TASTE)):
        st.markdown(":material/progress_activity: Learning from your latest feedback…")
    taste = service.personal_state()
    if taste is None:
        st.info("No taste layer yet: the model alone ranks outfits. Like, dislike or wear "
                "suggestions to teach it what you like.")
    else:
        verdict = "**in use**" if taste.adopted else "**not in use** (the model alone ranks)"
        st.markdown(f"Rests on **{taste.events}** feedback events ({taste.n_liked} liked or worn, "
                    f"{taste.n_disliked} disliked"
                    + (f", plus {taste.n_skipped} suggestions you passed over, each counted as a "
                       "fraction of a dislike" if taste.n_skipped else "") + f"); {verdict}.")
        st.caption(plain(taste.reason[:1].upper() + taste.reason[1:]) + ".")
        if taste.estimator == "style prior":
            st.caption("It reads your taste mostly along the style directions the model learned "
                       "from its training outfits (steadier with few reactions).")
        elif taste.estimator == "style features":
            st.caption("It reads your taste from each piece's style as the model learned it from "
                       "which pieces its training outfits put together.")
        if taste.prefers:
            st.markdown("Now prefers: " + plain(", ".join(taste.prefers)))
        if taste.avoids:
            st.markdown("Now ranks lower: " + plain(", ".join(taste.avoids)))
    c1, c2 = st.columns(2)
    c1.button("Update now", key="taste-update", icon=":material/refresh:",
              on_click=act, args=("Update", update_taste, service, wardrobe))
    c2.button("Reset to base model", key="taste-reset", icon=":material/restart_alt:",
              disabled=taste is None, on_click=act, args=("Reset", reset_taste, service))


def update_taste(service: ModelService, wardrobe: Wardrobe) -> str:
    submit_taste_update(resources.jobs(), service, wardrobe)
    return "Learning from your feedback; this takes a few seconds."


def reset_taste(service: ModelService) -> str:
    service.reset_personal()
    return "Reset: the model alone ranks outfits again (your feedback is kept)."


def evaluate(service: ModelService) -> str:
    results = service.evaluate_on_wardrobe(resources.wardrobe())
    parts = [f"{name}: AUC {r.auc:.3f}, fill-in-the-blank {r.fitb_accuracy:.0%}"
             for name, r in results.items()]
    return ("Checked on your outfits; what it means is under **How sure it is** (" +
            "; ".join(parts) + ").")


def distribution_chart(distribution: ScoreDistribution) -> None:
    st.markdown("**How the model scores real outfits vs. scrambled ones**")
    chart = (
        alt.Chart(pd.DataFrame(distribution.histogram()))
        .mark_bar(opacity=0.6)
        .encode(
            x=alt.X("score:Q", bin=alt.Bin(extent=[-1, 1], step=0.1), title="outfit score"),
            y=alt.Y("share:Q", stack=None, title="share of outfits"),
            color=alt.Color("kind:N", title=None),
        )
    )
    st.altair_chart(chart, width="stretch")
    st.caption("A good model puts real outfits (yours) to the right of scrambled ones (each piece "
               "taken from a different outfit). Overlapping bars mean it cannot tell them apart.")


def render() -> None:
    wardrobe = resources.wardrobe()
    service = resources.model_service()
    active = service.active()
    st.title("Model")
    show_messages()
    available = service.training_data(wardrobe)  # once per run: it reads and stacks every outfit
    summary(wardrobe, service, active, available)
    outfits = available.outfits
    st.button("Check how well it does", key="evaluate", disabled=outfits < 2,
              icon=":material/fact_check:", on_click=act, args=("Checking", evaluate, service),
              help="Tests it on your saved outfits against random mixes of your clothes.")
    taste_section(wardrobe, service)
    train_section(wardrobe, service, available)
    with st.expander("Details", icon=":material/analytics:"):
        c1, c2 = st.columns(2)
        with c1, st.container(border=True):
            encoder_box(wardrobe)
        with c2, st.container(border=True):
            compat_box(service, active)
        st.caption("A trained model has seen these outfits, so its numbers are optimistic; the "
                   "identity model's numbers are the baseline.")
        distribution = service.score_distribution(wardrobe, training=available) if outfits else None
        if distribution is not None:
            distribution_chart(distribution)


run_page("Model", render)
