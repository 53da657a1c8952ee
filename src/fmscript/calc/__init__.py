"""The calculation engine: values, evaluator and function library."""
