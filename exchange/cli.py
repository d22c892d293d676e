"""The `flask exchange …` command group; each feature adds its commands here."""
from flask.cli import AppGroup

exchange_cli = AppGroup("exchange", help="Exchange administration commands.")


def register(command):
    exchange_cli.add_command(command)
    return command


from exchange.accounts import commands as _accounts_commands  # noqa: E402,F401
from exchange.core import commands as _core_commands  # noqa: E402,F401
from exchange.listings import commands as _listings_commands  # noqa: E402,F401
from exchange.moderation import commands as _moderation_commands  # noqa: E402,F401
from exchange.search import commands as _search_commands  # noqa: E402,F401
from exchange.inquiries import commands as _inquiries_commands  # noqa: E402,F401
from exchange.matching import commands as _matching_commands  # noqa: E402,F401
from exchange.payments import commands as _payments_commands  # noqa: E402,F401
from exchange.transfer import commands as _transfer_commands  # noqa: E402,F401
from exchange.backup import commands as _backup_commands  # noqa: E402,F401
from exchange.content import commands as _content_commands  # noqa: E402,F401
