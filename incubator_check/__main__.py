"""``python -m incubator_check`` runs the command line."""

from .cli import run

run()
