"""District statistics (``statistics(region:, groupBy:)``): counts over every
institution of a region, from each department's own aggregates (``domain.census``)
and the planner's staff check, never by loading every joint record."""
