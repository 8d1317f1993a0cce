"""The access log: one tamper-evident event per request (DESIGN §8)."""
