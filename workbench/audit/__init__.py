"""Audit: usage exports and gateway logs -> a fitted workload, the ``today`` policy, a
reconciliation with the observed bill, and the spend the gateway did not see.

>>> from workbench.audit import audit_logs
>>> result = audit_logs(["spendlogs.csv"], fmt="litellm")  # doctest: +SKIP
>>> result.to_json()["residual_share"]  # doctest: +SKIP
"""

from workbench.audit.audit import Audit, audit_logs

__all__ = ["Audit", "audit_logs"]
