"""Clients for the systems that hold department data: SQL databases and HTTP services."""
