"""The logic behind the pages, testable without a browser: uploads summarised for display
(`uploads`), gallery filters (`gallery`), item edits (`item_edits`), outfit suggestions
(`suggestions`), outfit actions (`outfit_actions`), wear statistics (`stats`) and the settings
shown (`settings`). No Streamlit here: `pages/` and `ui/` render what these return."""
