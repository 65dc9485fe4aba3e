//! Shared inputs of the benchmarks: the schedules compared, and a generator of large job files.
