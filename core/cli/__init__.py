"""`python -m core.cli`: the command line. `main` builds the parser; each command group
(`wardrobe`, `model`) registers its own sub-commands and stays thin over the services."""
