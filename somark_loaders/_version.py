"""The package's version, in the vocabulary so that any layer (the emulator's identity,
the CLI's ``--version``) can read it without importing the package's public surface."""

__version__ = "0.1.0"
