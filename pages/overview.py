"""Overview: what MineScan is, the demo data and the shipped models. (The review pages come next.)"""

import streamlit as st

from core import settings
from core.synthetic import demo_is_complete
from ui.model_info import card_summary, model_cards

st.title("MineScan")
st.write(
    "Find surface mines and mining tailings dams that no official register knows about, from free Sentinel-2 "
    "imagery. This first version holds the scan pipeline; the review queue, register comparison and dashboard "
    "pages are being built."
)
demo = settings.demo_dir()
if demo_is_complete(demo):
    st.success(f"Synthetic demo data is ready in `{demo}` (a generated scene, **not real imagery**).")
else:
    st.warning("The synthetic demo data has not been generated yet: run `./run cli demo`.")
st.subheader("Models")
cards = model_cards(settings.models_dir())
if cards:
    st.dataframe([card_summary(c) for c in cards], hide_index=True)
    st.caption("Models marked 'synthetic demo data' were trained only on MineScan's generated scenes.")
else:
    st.info("No trained model found in the models folder.")
st.subheader("Scan from the command line")
st.code("./run cli scan data/demo/scene.tif --out sites.geojson --truth data/demo/truth.geojson", language="bash")
