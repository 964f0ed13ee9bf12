"""The benchmarks as data: ``python -m benchmarks run NAME|all [--quick]`` runs a benchmark script
and writes its figures, with the machine and the versions, to ``benchmarks/results/NAME.json``;
``python -m benchmarks page`` writes the Benchmarks page of the documentation from those files.

The scripts themselves (``benchmarks/NAME.py``) still run on their own; this package is not part of
``embedlab`` and is not installed with it.
"""
