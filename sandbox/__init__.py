"""The demo department systems (DESIGN §5): native schemas, seeding, HTTP services.

Each demo source speaks its department's own language — pinyin table and column
names, code tables, fen, ``YYYYMMDD`` — documented once, as a glossary, in the
docstring of its schema module (``sandbox.schemas.*``) or service module
(``sandbox.services.*``). The hub's adapters map from these; nothing here knows
the hub's canonical model.

- ``sandbox.seed``: ``seed_sandbox``, ``is_seeded``
- ``sandbox.serve``: ``SandboxPorts``, ``sandbox_servers``, ``serve_sandbox``,
  ``serve_together``, ``serve_in_thread``, ``serve_in_threads``
- ``sandbox.config``: ``sources_toml``, ``write_sources_file``
- ``sandbox.reference``: ``REFERENCE_DATE``, ``DEFAULT_SEED``, the thresholds behind the anomalies
- ``sandbox.anomalies``: the anomalies planted, named after the hub's risk signals
"""

from xietong.sandbox.reference import DEFAULT_SEED, REFERENCE_DATE

__all__ = ["DEFAULT_SEED", "REFERENCE_DATE"]
