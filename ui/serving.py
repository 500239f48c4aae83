"""How the app is served: only to this computer, with no usage statistics and no tracebacks.

Streamlit reads `.streamlit/config.toml` next to `streamlit_app.py` wherever `streamlit run` is
started from (a script-level config, over `$CWD/.streamlit` and `~/.streamlit`), so the hardening
there normally applies. Flags and STREAMLIT_* variables still override it, and a copy without
the file gets Streamlit's defaults (every interface, usage statistics on, full tracebacks): this
check, run before any page, turns those cases into a refusal that says how to start the app.
Only `client.*` options can be changed from a running script, so the address and the usage
statistics (sent to the browser before any script runs) can be refused here, not fixed.
"""

from __future__ import annotations

import ipaddress

import streamlit as st
from streamlit import config as st_config

from base.config import load_settings

START_HELP = (
    "Start it with `make run`, or with `streamlit run /path/to/streamlit_app.py "
    "--server.address 127.0.0.1 --browser.gatherUsageStats false`. To let other computers "
    "reach it on purpose (it has no login: anyone who can reach it sees and changes your "
    "wardrobe), set `WHAT2WEAR_ALLOW_REMOTE=1` as well."
)


def is_loopback(address: str) -> bool:
    """True for addresses only this computer can reach; "" (Streamlit's default) means every
    interface."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def unsafe_serving(allow_remote: bool) -> list[str]:
    """What is wrong with how this server was started (Streamlit's options as resolved)."""
    problems = []
    address = str(st_config.get_option("server.address") or "")
    if not allow_remote and not is_loopback(address):
        shown = f"address {address}" if address else "every network interface"
        problems.append(f"it listens on {shown}, so other computers can reach it")
    if st_config.get_option("browser.gatherUsageStats"):
        problems.append("it would send usage statistics to Streamlit")
    return problems


def enforce() -> None:
    """Hide tracebacks whatever the config says; refuse to serve pages when started unsafely."""
    if st_config.get_option("client.showErrorDetails") != "none":
        st.set_option("client.showErrorDetails", "none")  # settable at run time
    problems = unsafe_serving(load_settings().allow_remote)
    if problems:
        st.error(f"What2Wear will not run like this: {'; '.join(problems)}.\n\n{START_HELP}",
                 icon=":material/gpp_bad:")
        st.stop()
