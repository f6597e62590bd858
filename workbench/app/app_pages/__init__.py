"""One Streamlit page per step of the job; run by `workbench.app.main` through st.navigation."""
