"""Who may call what in the WMS: the staff roles of SPEC §4.C, named once for every noun's api.

``warehouse`` and ``clerk`` work the floor, ``integrator`` is an ERP or shop's API key (documents
in, status out, no floor scans), ``owner`` approves (count variances, settings) and always passes.
"""

from __future__ import annotations

from typing import Annotated

from smartdist.auth import Principal, require_roles

FLOOR_ROLES = ("warehouse", "clerk")
DOCUMENT_ROLES = (*FLOOR_ROLES, "integrator")

# Reads documents, stock and master data.
Reader = Annotated[Principal, require_roles(*DOCUMENT_ROLES)]
# Creates and changes documents and master data (by API or file).
Writer = Annotated[Principal, require_roles(*DOCUMENT_ROLES)]
# Floor steps confirmed by scan: picks, putaways, packing, counts.
Floor = Annotated[Principal, require_roles(*FLOOR_ROLES)]
# Approvals and warehouse settings: changing the books after a count is the owner's decision.
Owner = Annotated[Principal, require_roles("owner")]
