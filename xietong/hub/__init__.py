"""The hub's long-lived services, opened once per process and shared by requests:
``services.Hub`` (engines, sources, adapters, access log, tokens, plan cache) and
``rate_limits.RateLimiter``."""
