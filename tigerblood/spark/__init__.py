"""The whole scan on Spark (DESIGN §3.8): for collections one machine cannot judge in one process.

``session`` builds the Spark session (local, a cluster master, or Spark Connect); ``tables``
writes what the ingest adapters read as Parquet model tables and registers them in Spark;
``steps`` runs the conversation and campaign steps per platform as Spark tasks; ``judge``
computes the feature expression on Spark and applies detectors and the model per partition;
``evidence`` finds the posts behind flagged findings with Spark joins; ``job`` chains them and
``commands`` is what ``tigerblood scan --engine spark`` runs. docs/scale.md says what runs where.
"""
