"""`flask exchange` commands of the inquiries feature."""
import click

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("inquiries")
