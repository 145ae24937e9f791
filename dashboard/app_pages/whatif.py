"""Threshold what-if: edit the protocol, see the alarm burden of the loaded cohort change, adopt it
for live monitoring, or re-run the review under a version adopted before."""

from __future__ import annotations

import streamlit as st

from dashboard.core.analysis.protocol import ProtocolError, load_protocol
from dashboard.core.charts import burden_comparison_figure
from dashboard.ui import components, data, live, protocol_adoption, tables

EDITOR = "rules_editor"


def use_protocol(toml_text: str | None) -> None:
    """Make a protocol the active one; the editor starts again from it."""
    if toml_text is None:
        st.session_state.pop(data.PROTOCOL, None)
    else:
        st.session_state[data.PROTOCOL] = toml_text
    st.session_state.pop(EDITOR, None)
    st.rerun()


current = data.current()
protocol = current.analysis.protocol
st.title("Threshold what-if")
if current.analysis.summary.empty:
    st.info("No session is loaded. Load files on the Review page.")
    st.stop()
st.caption(
    f"Active protocol: {components.plain(protocol.name)}. Edit a rule's limit, delay or hysteresis "
    f"below and compare the alerts each of the {len(current.analysis.summary)} loaded sessions would "
    "have raised. Nothing changes until you apply it to this review, or adopt it for live monitoring (below)."
)

with st.expander("Load a protocol file (TOML)", icon=":material/upload_file:"):
    upload = st.file_uploader("Protocol file", type=["toml"], key="protocol_upload")
    if upload is not None:
        try:
            loaded = load_protocol(upload.getvalue())
        except ProtocolError as error:
            st.error(f"{components.plain(upload.name)} cannot be used:")
            st.code("\n".join(error.messages), language=None)
        else:
            if st.button(f"Use {components.plain(loaded.name)}", type="primary"):
                use_protocol(loaded.to_toml())

edited_rules = tables.rules_editor(protocol.rules_frame(), key=EDITOR)
try:
    edited = protocol.with_rules(edited_rules)
except ProtocolError as error:
    st.error("The edited protocol is not valid:")
    st.code("\n".join(error.messages), language=None)
    st.stop()

table = data.compare(current, edited)
tables.burden_totals(table)
st.plotly_chart(burden_comparison_figure(table), theme=None, width="stretch", key="burden_chart")

changed_only = st.toggle("Only sessions whose alerts change", value=True)
tables.comparison_table(table, changed_only)

left, middle, right = st.columns(3)
left.download_button(
    "Download edited protocol (TOML)",
    data=edited.to_toml(),
    file_name="protocol_edited.toml",
    mime="application/toml",
    icon=":material/download:",
    on_click="ignore",
)
components.csv_download(middle, "Download comparison (CSV)", table, "alerts_current_vs_edited.csv")
if right.button("Apply the edited protocol to this review", disabled=edited == protocol, type="primary"):
    use_protocol(edited.to_toml())
if st.session_state.get(data.PROTOCOL) and st.button("Back to the shipped default protocol"):
    use_protocol(None)

st.subheader("Live monitoring")
store = live.store()
st.caption("Alerts on the Chairs and Live session pages follow the " + components.plain(
    live.protocol_in_force_text(live.protocol().name, current.timezone)) + ".")  # fmt: skip
protocol_adoption.adopt(store, edited, store.current_protocol())
with st.expander("Protocol versions adopted for live monitoring", icon=":material/history:"):
    protocol_adoption.versions(store, current.timezone, use_protocol)
