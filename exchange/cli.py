"""The `flask exchange …` command group; create_app() fills it with each feature's commands."""
import click
from flask.cli import AppGroup


def exchange_group(features: list[click.Group]) -> AppGroup:
    """One flat group: a feature's commands keep their own names (`flask exchange reindex`)."""
    group = AppGroup("exchange", help="Exchange administration commands.")
    for feature in features:
        for command in feature.commands.values():
            group.add_command(command)
    return group
