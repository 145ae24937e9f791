"""Review: the clinic's records, uploaded files or the sample data; check them, filter the sessions,
open one, see the cohort."""

from __future__ import annotations

import streamlit as st

from dashboard.core.export import pseudonym_key, pseudonymised_export
from dashboard.ui import cohort_view, components, data, filters, identity, source_picker, tables

st.title("Review sessions")
source_picker.pick(data.load_settings().timezone)

with st.expander("Load your own files (CSV or FHIR JSON; many, or a folder)", icon=":material/upload_file:"):
    st.caption(
        "Vitals, events and sessions CSVs in any mix (the kind of each file is recognised from its header), "
        "and FHIR R4 JSON from an EHR (a Bundle or Observations). "
        "Every problem is listed with its file and line; valid rows are kept."
    )
    files_tab, folder_tab, settings_tab = st.tabs(["Files", "Folder", "Import settings"])
    limit = f"Up to {st.get_option('server.maxUploadSize')} MB per file (server.maxUploadSize)."
    with files_tab:
        picked = st.file_uploader(
            "CSV or FHIR JSON files", type=["csv", "txt", "gz", "json"], accept_multiple_files=True,
            key="up_files", help=limit,
        )
    with folder_tab:
        folder = st.file_uploader(
            "A folder of CSV files", accept_multiple_files="directory", key="up_folder", help=limit
        )
    with settings_tab:
        components.import_settings()
    uploads = [*(picked or []), *(folder or [])]
    ids = tuple(upload.file_id for upload in uploads)
    if uploads and ids != st.session_state.get("loaded_upload_ids"):
        progress = st.progress(0.0, text="Reading files…")
        data.load_uploads(
            [(upload.name, upload.getvalue()) for upload in uploads],
            on_progress=lambda done, total, name: progress.progress(
                done / total, text=f"Read {done} of {total}"
            ),
        )
        st.session_state["loaded_upload_ids"] = ids
        progress.empty()
        st.rerun()  # the source choice at the top of the page shows the uploaded files too
    if data.source() == data.FILES and st.button("Back to the sample data", icon=":material/undo:"):
        data.use_sample_data()
        st.session_state.pop("loaded_upload_ids", None)
        st.rerun()

current = data.current()
analysis = current.analysis
summary = analysis.summary
dataset = analysis.dataset
problems = dataset.problems
if data.source() != data.CLINIC:
    files = [name for name, _ in (st.session_state[data.PARTS] if data.source() == data.FILES
                                  else data.sample_parts())]  # fmt: skip
    with st.expander(
        f"Validation report: {len(files)} file(s), {len(problems)} problem(s)",
        icon=":material/fact_check:",
        expanded=bool(problems) and data.source() == data.FILES,
    ):
        tables.validation_report(problems, files)

if summary.empty:
    st.info("No usable session in the loaded files. See the validation report above.")
    st.stop()
live_now = components.live_note(summary, data.live_sessions(current))
st.caption(
    f"{len(summary)} sessions, {summary['patient_id'].nunique()} patients from {current.source}{live_now}; "
    f"protocol: {components.plain(analysis.protocol.name)}. Times in {current.timezone}."
)

chosen = filters.show(summary, current.timezone, scope=current.key)
shown = filters.apply(summary, chosen, current.timezone)
st.subheader(f"Sessions ({len(shown)} of {len(summary)})")
hidden = filters.hidden_note(summary, shown, chosen)
if hidden:
    st.warning(hidden, icon=":material/filter_alt:")
st.caption("Click a row to open the session.")
clicked = tables.summary_table(shown, current.timezone, key="summary_table")
if clicked is not None:
    st.session_state[data.SELECTED] = clicked
    st.switch_page("app_pages/session.py")

in_view = analysis.alerts["session_id"].isin(shown["session_id"])
events_in_view = dataset.events["session_id"].isin(shown["session_id"])
exports = {  # label -> (file name, rows in view)
    "Summary": ("summary.csv", shown),
    "Alert episodes": ("alert_episodes.csv", analysis.alerts.loc[in_view]),
    "Events": ("events.csv", dataset.events.loc[events_in_view]),
}
*csv_columns, zip_column = st.columns(4)
viewer = identity.viewer()
if identity.allowed(viewer, "export_identifiable"):
    for column, (label, (name, frame)) in zip(csv_columns, exports.items(), strict=True):
        components.csv_download(column, f"{label} (CSV)", frame, name, width="stretch")
if identity.allowed(viewer, "export_pseudonymised"):
    zip_column.download_button(
        "Pseudonymised export (ZIP)",
        data=lambda: pseudonymised_export(dict(exports.values()), dataset.sessions, pseudonym_key()),
        file_name="pseudonymised_export.zip",
        mime="application/zip",
        icon=":material/shield_person:",
        on_click="ignore",
        width="stretch",
        help="The three tables for analysts: patient ids (also inside session ids) replaced by keyed hashes, "
        "the same in every export made with the same key (DASHBOARD_PSEUDONYM_KEY, else a key file in the "
        "data folder); free-text notes left out. Pseudonymised, not anonymous: dates and values remain.",
    )

st.subheader("Cohort")
cohort_view.show(analysis, shown)
