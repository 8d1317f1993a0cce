"""The cross-agency query planner: which institutions meet an ``InstitutionFilter``,
each predicate pushed down to the department that owns it (``resolvers.planner.plan``)."""

from resolvers.planner.criteria import FilterCriteria
from resolvers.planner.plan import How, Plan, Step, plan

__all__ = ["FilterCriteria", "How", "Plan", "Step", "plan"]
