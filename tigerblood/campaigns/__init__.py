"""Coordinated campaigns: near-duplicate texts and shared items clustered across accounts
(``clusters``), the accounts behind each cluster judged (``accounts``), and the ``campaigns``
command (``commands``). The two entry points the scan and the evidence use are re-exported."""

from tigerblood.campaigns.clusters import campaign_evidence, find_campaigns

__all__ = ["campaign_evidence", "find_campaigns"]
