"""Xietong (协同): one GraphQL schema over the departments that jointly supervise
off-campus training institutions."""

__version__ = "0.1.0"
