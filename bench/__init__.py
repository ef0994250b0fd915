"""ncen's benchmarks: `make bench` (quick sizes) or `make bench BENCH_ARGS=--full`."""
