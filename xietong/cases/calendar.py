"""Working days, for the answer a referral is due by: weekends are not working
days, configured public holidays are not either, and configured make-up weekend
days (调休) are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

SATURDAY = 5


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < SATURDAY and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted).

        >>> WorkingCalendar().add_working_days(date(2026, 11, 27), 10)  # a Friday
        datetime.date(2026, 12, 11)
        """
        day = start
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day
