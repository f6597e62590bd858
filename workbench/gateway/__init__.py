"""Gateway configs: a workbench policy exported to LiteLLM's proxy ``config.yaml`` or a Portkey
config JSON (with a translation report saying what each part became and what was
approximated), and a gateway config imported back into policy data.

Layer: domain and policies only; pricing the approximations (the estimator) is done one layer
up, in ``workbench/cli/gateway.py``.

    >>> from workbench.gateway import export_litellm  # doctest: +SKIP
    >>> translation = export_litellm(scenario, "routed", served)  # doctest: +SKIP
"""

from workbench.gateway.gateway_import import ImportResult
from workbench.gateway.litellm_export import export_litellm
from workbench.gateway.litellm_import import import_litellm
from workbench.gateway.portkey_export import export_portkey
from workbench.gateway.portkey_import import import_portkey
from workbench.gateway.served import Served, check_served
from workbench.gateway.translation import Part, Translation

TARGETS = ("litellm", "portkey")

__all__ = ["TARGETS", "ImportResult", "Part", "Served", "Translation", "check_served",
           "export_litellm", "export_portkey", "import_litellm", "import_portkey"]
