"""How much work a drain may do: a time budget and a cap on jobs, with an injectable clock."""
import math
import time
from collections.abc import Callable


class BudgetSpent(Exception):
    """Raised inside a step when its time is up; the step puts its work back."""


class Budget:
    """A drain's allowance. `Budget()` is unbounded (the CLI); a web request's drain after
    its response gets a few hundred milliseconds and a few jobs, so a backlog never keeps
    a worker thread busy: what is left waits for `flask exchange tick` or the next drain."""

    def __init__(self, seconds: float | None = None, jobs: int | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.deadline = math.inf if seconds is None else clock() + seconds
        self.jobs_left = math.inf if jobs is None else jobs

    @property
    def bounded(self) -> bool:
        return self.deadline != math.inf or self.jobs_left != math.inf

    def remaining(self) -> float:
        return max(0.0, self.deadline - self.clock())

    def spent(self) -> bool:
        return self.jobs_left <= 0 or self.spent_time()

    def spent_time(self) -> bool:
        return self.clock() >= self.deadline

    def batch(self, size: int) -> int:
        """How many jobs to take next, at most `size`."""
        return int(min(size, self.jobs_left))

    def charge(self, jobs: int) -> None:
        self.jobs_left -= jobs

    def check(self) -> None:
        """Raise BudgetSpent when the time is up (between the round trips of a step)."""
        if self.spent_time():
            raise BudgetSpent

