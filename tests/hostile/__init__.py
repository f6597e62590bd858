"""Hostile files, generated (the repository stays small): see `corpus`."""
