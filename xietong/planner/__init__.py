"""The cross-agency query planner: which institutions meet an ``InstitutionFilter``,
each predicate pushed down to the department that owns it (``resolvers.planner.plan``).

>>> found = await plan(
...     hub.adapters, FilterCriteria(coverage_below=1.0), region_prefix="4102", today=hub.today()
... )
>>> found.codes[:2], [(step.predicate, step.how) for step in found.steps]
(['524102...', '914102...'], [('coverageBelow', 'scan'), ('education', 'among')])
"""

from xietong.planner.criteria import FilterCriteria
from xietong.planner.plan import How, Plan, Step, plan

__all__ = ["FilterCriteria", "How", "Plan", "Step", "plan"]
