"""The workbench on screen: a Streamlit app (``workbench app``) with one thin page per job.

Pages call `workbench` functions and `workbench.viz` figure builders; Streamlit caching lives
only in `workbench.app.state`. The helper modules here (`edits`, `frames`, `requirements`,
`whatif`) import no Streamlit, so notebooks and the report can use them too.
"""
