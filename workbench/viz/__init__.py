"""Plotly figures from DataFrames and summary dicts, shared by the app, the notebooks and the
report. No Streamlit here: every builder is a plain function returning a ``go.Figure``."""
