"""Labelled research datasets: TwiBot-20/22 and the Cresci-style CSVs of v1.1 users and tweets."""
