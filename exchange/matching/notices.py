"""Tell owners about new matches (placeholder until written)."""


def send_match_notices(now=None) -> int:
    return 0
