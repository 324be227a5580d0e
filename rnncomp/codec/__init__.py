"""The rnncomp file codec: container format, error types and file output."""
