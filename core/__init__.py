"""The services behind the app and the command line, one subpackage per stage of the pipeline:

- `photos/`: a photo in -> validated, oriented, cut out, embedded, tagged (no storage);
- `wardrobe/`: the wardrobe service (`Wardrobe`): storing items and outfits crash-safely,
  ingestion, editing, feedback, maintenance;
- `ranking/`: ranking complete outfits exactly and fast (`OutfitRanker`), retrieval;
- `learning/`: which compatibility model is active, training and evaluating it on a wardrobe;
- `views/`: the logic behind the pages (no Streamlit here: pages and `ui/` render);
- `cli/`: `python -m core.cli`.

Nothing here imports Streamlit, `ui/` or `pages/` (import-linter checks it).
"""
