"""Units of work the scheduler runs: each wires the stages and owns its transactions."""
