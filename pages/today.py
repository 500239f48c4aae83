"""Today: the outfit to wear today (weather, occasion, what was worn lately), a week plan, and a
packing list for a trip. Logic in core/planning/today.py (shared with the CLI); renders only."""

from __future__ import annotations

from datetime import date

import streamlit as st

from core.planning.today import TodayOutfit, TodayPlanner
from core.ranking.context import OCCASIONS, DayContext
from core.ranking.daily import DayRanker
from core.ranking.weather import forecast
from core.views.today import wear as wear_outfit
from core.views.training import submit_taste_update
from ui import resources
from ui.actions import act, show_messages
from ui.flat_lay import show_flat_lay
from ui.page import run_page
from ui.text import plain
from ui.widgets import picture

state = st.session_state
SLOT_LABELS = {"onepiece": "one-piece", "outerwear": "layer"}
VIEWS = ("Today", "Plan a week", "Pack for a trip")


def planner() -> TodayPlanner:
    active = resources.model_service().active()
    cached = state.get("day_ranker")
    if cached is None or cached[0] != active.version:
        cached = (active.version, DayRanker(active.model))
        state.day_ranker = cached
    return TodayPlanner(resources.wardrobe(), active.model, cached[1])


# --- context --------------------------------------------------------------------------------

def fetch_forecast() -> str:
    days = forecast(state.get("today_place", ""))
    state.forecast_days = [(d.day.isoformat(), d.temperature_c, d.rain) for d in days]
    today = days[0]
    state.today_temp = float(today.temperature_c)
    state.today_rain = today.rain
    rain = f", rain {today.rain_percent} %" if today.rain_percent is not None else ""
    return f"Forecast for today: {today.t_min:g}–{today.t_max:g} °C{rain}."


def context_inputs() -> DayContext:
    state.setdefault("today_temp", 15.0)
    c1, c2, c3 = st.columns([2, 1, 2], vertical_alignment="bottom")
    c1.number_input("Temperature (°C)", min_value=-40.0, max_value=50.0, step=1.0,
                    format="%.0f", key="today_temp")
    c2.toggle("Rain", key="today_rain")
    c3.selectbox("Occasion", OCCASIONS, key="today_occasion")
    with st.expander("Forecast (optional, needs the internet)", icon=":material/partly_cloudy_day:"):
        p1, p2 = st.columns([3, 1], vertical_alignment="bottom")
        p1.text_input("Place", key="today_place", placeholder="a town, or 52.52, 13.41")
        p2.button("Get forecast", key="today_forecast", on_click=act,
                  args=("The forecast", fetch_forecast))
        st.caption("One request to Open-Meteo (no account); offline, type the temperature above.")
    return DayContext(float(state.today_temp), bool(state.get("today_rain", False)),
                      state.get("today_occasion", "casual"))


# --- outfits --------------------------------------------------------------------------------

def wear(index: int) -> str:
    outfit: TodayOutfit = state.today_outfits[index]
    wear_outfit(planner(), outfit)
    submit_taste_update(resources.jobs(), resources.model_service(), resources.wardrobe())
    state.today_request = None  # suggestions move on: this outfit is now the last one worn
    return "Logged as worn today. Have a good day!"


NO_ANCHORS: frozenset[str] = frozenset()


def piece_names(outfit: TodayOutfit, names: dict[str, str]) -> str:
    """One line of the pieces head to toe, e.g. "layer: navy coat · top: green shirt"."""
    return " · ".join(f"{plain(SLOT_LABELS.get(slot, slot))}: {plain(names[item.id])}"
                      for slot, item in outfit.pieces)


def outfit_card(outfit: TodayOutfit, index: int, names: dict[str, str], best: bool) -> None:
    """The outfit as a flat-lay (one picture: compact on a phone), its pieces and why; the best
    one with the words beside the picture, an alternative with them below.

    No score is shown: the outfits are in order, and the reasons say what the score rests on.
    """
    with st.container(border=True, key=f"today-card-{index}"):
        st.markdown("**Wear this today**" if best else f"**Or: option {index + 1}**")
        picture_col, words_col = st.columns([2, 3]) if best else (st.container(), st.container())
        with picture_col:
            show_flat_lay(list(outfit.pieces), NO_ANCHORS)
        with words_col:
            if best:  # one line a piece
                for slot, item in outfit.pieces:
                    st.caption(f"{plain(SLOT_LABELS.get(slot, slot))}: {plain(names[item.id])}")
            else:
                st.caption(piece_names(outfit, names))
            st.markdown(" · ".join(plain(r) for r in outfit.reasons) or "a good match")
            st.button("Wear this", icon=":material/checkroom:", key=f"today-wear-{index}",
                      type="primary" if best else "secondary", on_click=act,
                      args=("Logging the outfit", wear, index))


def today_view(plan: TodayPlanner, ctx: DayContext) -> None:
    for note in plan.notes(ctx):
        st.caption(f":material/info: {plain(note)}")
    worn = resources.wardrobe().wear_history()  # newest day first
    request = (ctx, plan.today, resources.wardrobe().items_revision, len(worn),
               state.day_ranker[0])
    if state.get("today_request") != request:
        state.today_outfits = plan.suggest(ctx)
        state.today_request = request
    outfits: list[TodayOutfit] = state.today_outfits
    if not outfits:
        st.info("No complete outfit fits today yet: an outfit needs a top, a bottom and shoes "
                "(or a one-piece and shoes), available and embedded — and a layer below 12 °C "
                "when you have one.")
        return
    if worn and worn[0][0] == date.today():
        st.success("You logged today's outfit already; here is what else would work.")
    outfit_card(outfits[0], 0, plan.names, best=True)
    if len(outfits) > 1:
        st.subheader("Alternatives")
        cols = st.columns(min(3, len(outfits) - 1))
        for n, outfit in enumerate(outfits[1:], start=1):
            with cols[(n - 1) % len(cols)]:
                outfit_card(outfit, n, plan.names, best=False)


# --- week and trip --------------------------------------------------------------------------

def days_editor(key: str, ctx: DayContext, default_days: int) -> list[DayContext]:
    n = st.number_input("Days", 1, 14, default_days, key=f"{key}-n")
    fc = state.get("forecast_days") or []
    rows = [{"temperature °C": float(fc[d][1]) if d < len(fc) else float(ctx.temperature_c),
             "rain": bool(fc[d][2]) if d < len(fc) else ctx.rain,
             "occasion": ctx.occasion} for d in range(int(n))]
    edited = st.data_editor(rows, key=f"{key}-days-{n}", hide_index=True, width="stretch",
                            column_config={"occasion": st.column_config.SelectboxColumn(
                                options=list(OCCASIONS), required=True),
                                "temperature °C": st.column_config.NumberColumn(
                                    min_value=-40, max_value=50, step=1, required=True)})
    return [DayContext(float(r["temperature °C"]), bool(r["rain"]), str(r["occasion"]))
            for r in edited]


def day_list(outfits: list[TodayOutfit], contexts: list[DayContext], names: dict[str, str]) -> None:
    for n, (outfit, ctx) in enumerate(zip(outfits, contexts, strict=True)):
        with st.container(border=True, key=f"plan-day-{n}"):
            st.markdown(f"**Day {n + 1}** — {plain(ctx.label())}")
            picture_col, words_col = st.columns([1, 3])
            with picture_col:
                show_flat_lay(list(outfit.pieces), NO_ANCHORS)
            with words_col:
                st.caption(piece_names(outfit, names))
                st.caption(" · ".join(plain(r) for r in outfit.reasons))


def run_plan(contexts: list[DayContext], max_uses: int) -> str:
    result, outfits = planner().plan(contexts, max_uses=max_uses)
    state.week_result = (contexts, result, outfits)
    how = "the best possible plan" if result.exact else (
        f"within {result.gap_bound:.3f} of the best possible total")
    return f"Planned {len(contexts)} days: {how}."


def week_view(plan: TodayPlanner, ctx: DayContext) -> None:
    contexts = days_editor("week", ctx, 7)
    max_uses = st.slider("Wear a piece at most", 1, 7, 2, key="week-k",
                         help="Layers (coats, jackets) do not count: they are worn every cold day.")
    st.button("Plan", type="primary", key="week-go", on_click=act,
              args=("Planning", run_plan, contexts, int(max_uses)))
    result = state.get("week_result")
    if result:
        day_list(result[2], result[0], plan.names)


def run_pack(contexts: list[DayContext], max_pieces: int) -> str:
    result, outfits = planner().pack(contexts, max_pieces)
    state.trip_result = (contexts, result, outfits)
    if result.days_covered < len(contexts):
        return (f"{max_pieces} pieces dress only {result.days_covered} of {len(contexts)} days "
                "well: allow more pieces.")
    return f"Packed {len(result.pieces)} pieces: {result.good_outfits} good outfits."


def trip_view(plan: TodayPlanner, ctx: DayContext) -> None:
    contexts = days_editor("trip", ctx, 4)
    pieces = st.slider("Most pieces to pack", 3, 20, 8, key="trip-pieces")
    st.button("Pack", type="primary", key="trip-go", on_click=act,
              args=("Packing", run_pack, contexts, int(pieces)))
    result = state.get("trip_result")
    if not result:
        return
    contexts_used, packed, outfits = result
    st.subheader(f"Pack these {len(packed.pieces)}")
    records = [plan.records[i] for i in packed.pieces]
    with st.container(horizontal=True, key="trip-pieces-list"):
        for item in records:
            with st.container(width=110):
                picture(item, width=90)
                st.caption(plain(plan.names[item.id]))
    st.caption(f"{packed.good_outfits} good outfits from them; every day covered: "
               f"{'yes' if packed.days_covered == len(contexts_used) else 'no'}.")
    if outfits:
        day_list(outfits, contexts_used, plan.names)


def render() -> None:
    st.title("Today")
    show_messages()
    plan = planner()
    if plan.empty:
        st.info("Add tops, bottoms and shoes on the **Wardrobe** page first: then this page "
                "suggests what to wear today, plans a week and packs for a trip.")
        return
    ctx = context_inputs()
    view = st.radio("Show", VIEWS, key="today_view", horizontal=True,
                    label_visibility="collapsed")
    if view == VIEWS[0]:
        today_view(plan, ctx)
    elif view == VIEWS[1]:
        week_view(plan, ctx)
    else:
        trip_view(plan, ctx)


run_page("Today", render)
