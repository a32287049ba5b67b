"""The grading engine: sandboxed, warm workers that run one submission each, and the backends
that hand them jobs (the local warm pool, or a Dask cluster)."""
