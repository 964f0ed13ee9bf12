"""``python -m embedlab`` runs the command-line interface."""

from .cli.app import main

main()
