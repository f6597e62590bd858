"""Planner: the cheapest policy that meets quality, availability, latency and budget floors
(`workbench optimize`), and budget thresholds that hold a month's spend under a limit with a
stated confidence (`workbench budget-plan`).

- `space`: what is searched - per task type a model or the ladder, a global ladder and failover;
- `terms`: the estimator's per-block figures every choice contributes (separability);
- `model`: the integer program over those terms, solved exactly by HiGHS;
- `frontier`: the epsilon-constraint sweep, binding constraints and the recommendation;
- `budget_plan`: thresholds under demand uncertainty (Monte Carlo over months).
"""
