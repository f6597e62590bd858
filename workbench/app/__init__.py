"""The workbench on screen: a Streamlit app (``workbench app``) with one thin page per job.

Pages call `workbench` functions and `workbench.viz` figure builders; Streamlit caching and
session state live only in `workbench.app.state`, widget helpers in `widgets`, and the policy
form's rows <-> policy data in `policy_form` (no Streamlit). The logic the pages show lives in
the layers below: `workbench.estimator.requirements`, `workbench.estimator.budget_effects`,
`workbench.domain.budget_trial`, `workbench.domain.edits`.
"""
