"""Validation: observations and the register in, accepted figures and issues out (every value against its rules and its own series)."""
