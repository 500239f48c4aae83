"""User text on screen: always shown literally, never interpreted as HTML or Markdown."""

from __future__ import annotations

import re

# CommonMark lets a backslash escape any ASCII punctuation; Streamlit adds :emoji:/:color[]
# directives and $math$, whose markers are punctuation too. HTML is escaped by Streamlit itself
# (unsafe_allow_html is never used), and escaping '<' keeps even that literal.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(text: object) -> str:
    """`text` escaped so st.markdown / st.caption show exactly what the person typed."""
    return _PUNCTUATION.sub(r"\\\1", str(text)).replace("\n", "  \n")


def code(text: object) -> str:
    """`text` as an inline code span: shown verbatim, whatever backticks it contains."""
    value = str(text)
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") else ""
    return f"{fence}{pad}{value}{pad}{fence}"
