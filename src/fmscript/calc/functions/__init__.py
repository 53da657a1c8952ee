"""Calculation functions, one module per family; see ``registry`` for how they are declared."""
