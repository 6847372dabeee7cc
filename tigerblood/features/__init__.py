"""Behavioural features per account, one Ibis expression each (DESIGN §3.5)."""
