"""The what-if's way to the live side: adopt the edited protocol for live monitoring (with the
user and a reason, a new version in the store's audit log), and re-run the review under any
version adopted before. Names and reasons are table cells or go through ``plain``."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard.core.analysis.protocol import Protocol
from dashboard.core.store import EntryError, RoleError, Store
from dashboard.ui import identity
from dashboard.ui.components import MISSING, plain
from dashboard.ui.data import protocol_of
from dashboard.ui.live_forms import entry_id, recorded


def adopt(store: Store, edited: Protocol, in_force: str | None) -> None:
    """Adopt ``edited`` for live monitoring: refused without a reason, or when it is in force already;
    a clinician may adopt a change of per-patient limits only (the store judges which it is)."""
    user = identity.ask()
    if user is None or not identity.allowed(user, "protocol_adoption", "patient_limits"):
        return
    same = in_force is not None and edited == protocol_of(in_force)
    with st.form("adopt_protocol", border=True):
        st.markdown(f"**Adopt {plain(edited.name)} for live monitoring** (every chair, next refresh)")
        reason = st.text_input("Reason (required, kept in the audit log)", max_chars=300, key="adopt_reason")
        if st.form_submit_button("Adopt for live monitoring", type="primary", disabled=same):
            try:
                store.record_protocol_change(user=user, toml_text=edited.to_toml(), reason=reason,
                                             entry_id=entry_id("adopt_protocol"))  # fmt: skip
            except (EntryError, RoleError) as error:
                st.error(plain(error), icon=":material/error:")
                return
            recorded("adopt_protocol", "Protocol adopted for live monitoring")
    if same:
        st.caption("This protocol is the one in force for live monitoring.")


def versions(store: Store, timezone: str, use: Callable[[str], None]) -> None:
    """Every adopted version, newest first; one of them can become the review's protocol."""
    changes = store.protocol_changes()
    if changes.empty:
        st.caption("No protocol has been adopted for live monitoring: the shipped default is in force.")
        return
    changes = changes.iloc[::-1].reset_index(drop=True)
    shown = changes.assign(
        version=changes["id"].str[:8],
        changed_at=changes["changed_at"].dt.tz_convert(timezone).dt.tz_localize(None),
        protocol=changes["toml_text"].map(lambda text: protocol_of(text).name),
    )
    st.dataframe(shown, hide_index=True, width="stretch",
                 column_order=("version", "protocol", "changed_at", "user", "reason"),
                 column_config={"version": "Version", "protocol": "Protocol", "user": "Adopted by",
                                "reason": "Why", "changed_at": st.column_config.DatetimeColumn(
                                    "Adopted", format="YYYY-MM-DD HH:mm")}, placeholder=MISSING)  # fmt: skip
    labels = dict(zip(changes["id"], shown["version"] + " · " + shown["protocol"], strict=True))
    chosen = st.selectbox("Version", list(labels), format_func=labels.get, key="protocol_version")
    if st.button("Re-run this review under that version", icon=":material/history:"):
        use(changes.set_index("id").loc[chosen, "toml_text"])
