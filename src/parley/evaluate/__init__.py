"""Evaluation: Parley's output scored against gold annotations and public benchmarks."""
