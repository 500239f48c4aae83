"""Model: which encoder and compatibility model are active, train on your outfits, evaluate."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core.learning.service import (
    MIN_TRAINING_OUTFITS,
    ActiveModel,
    ModelService,
    ScoreDistribution,
    TrainingData,
    training_metrics,
)
from core.wardrobe.service import Wardrobe
from models.train import TrainProgress
from ui import resources
from ui.actions import act, flash, show_messages
from ui.page import run_page
from ui.text import plain


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
    if active.message:
        st.warning(plain(active.message))
    training = training_metrics(active.info)
    if training:
        st.caption(f"Trained {plain(str(active.info.get('trained', ''))[:16])} on "
                   f"{plain(training.get('n_train', '?'))} outfits, "
                   f"{plain(training.get('epochs', '?'))} epochs, "
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
    st.caption(f"Last evaluated {plain(str(last.get('evaluated', ''))[:16])} on your wardrobe.")


def train_section(wardrobe: Wardrobe, service: ModelService, available: TrainingData) -> None:
    st.subheader("Train on your outfits")
    st.markdown(
        f"Your wardrobe has **{available.outfits}** outfit(s) to learn from (outfit photos, "
        f"outfits you put together, liked suggestions) and **{available.disliked}** disliked "
        "suggestion(s) it learns to avoid."
    )
    epochs = st.slider("Epochs", 10, 300, 60, step=10, key="train_epochs")
    if not available.enough:
        st.info(f"Training needs at least {MIN_TRAINING_OUTFITS} outfits. Upload full-body outfit "
                "photos on the Wardrobe page, or like and save suggestions; until then the "
                "untrained identity model ranks outfits by raw FashionCLIP similarity.")
    if st.button("Train on my wardrobe", type="primary", disabled=not available.enough, key="train"):
        bar = st.progress(0.0, text="Starting…")

        def progress(p: TrainProgress) -> None:
            bar.progress(p.step / max(p.total_steps, 1),
                         text=f"epoch {p.epoch + 1}, step {p.step}/{p.total_steps}, loss {p.loss:.3f}")

        metrics = service.train_on_wardrobe(wardrobe, epochs=epochs, progress=progress)
        flash("success", f"Trained in {metrics.get('train_time_s', '?')} s; the new model is active.")
        st.rerun()


def evaluate(service: ModelService) -> str:
    results = service.evaluate_on_wardrobe(resources.wardrobe())
    parts = [f"{name}: AUC {r.auc:.3f}, fill-in-the-blank {r.fitb_accuracy:.0%}"
             for name, r in results.items()]
    return "Evaluated on your outfits — " + "; ".join(parts) + "."


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
    st.subheader("Active models")
    c1, c2 = st.columns(2)
    with c1, st.container(border=True):
        encoder_box(wardrobe)
    with c2, st.container(border=True):
        compat_box(service, active)
    available = service.training_data(wardrobe)  # once per run: it reads and stacks every outfit
    train_section(wardrobe, service, available)
    st.subheader("Evaluate")
    outfits = available.outfits
    st.button("Evaluate on my outfits", key="evaluate", disabled=outfits < 2,
              on_click=act, args=("Evaluation", evaluate, service))
    st.caption("A trained model has seen these outfits, so its numbers are optimistic; the "
               "identity model's numbers are the baseline.")
    distribution = service.score_distribution(wardrobe, training=available) if outfits else None
    if distribution is not None:
        distribution_chart(distribution)


run_page("Model", render)
