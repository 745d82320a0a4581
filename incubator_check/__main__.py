"""``python -m incubator_check`` runs the command line."""

from ._start import run

run()
