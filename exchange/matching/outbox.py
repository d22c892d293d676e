"""The matching step of the after-commit drain and of `flask exchange tick`."""

from exchange.matching.notices import send_match_notices
from exchange.matching.services import run_match_jobs


def drain_matching(budget=None) -> None:
    """Match listings whose jobs are due, then queue the notices that are due (both within
    `budget`, an exchange.budget.Budget; None: until nothing is due)."""
    run_match_jobs(budget=budget)
    send_match_notices(budget=budget)
