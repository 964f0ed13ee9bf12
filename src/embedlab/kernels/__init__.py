"""PRIVATE numba kernels: arrays in, arrays out, explicit RNG state; no I/O, logging or objects."""
