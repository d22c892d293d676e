"""Other tabs of the site search (news and events): features register a view per tab, so
/search?tab=<name> reaches them without the search package importing them."""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Tab:
    name: str
    label: Callable[[], str]
    view: Callable[[], object]


TABS: dict[str, Tab] = {}


def register_tab(tab: Tab) -> None:
    TABS[tab.name] = tab
