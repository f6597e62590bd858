"""SimPy provider world, workload arrivals, policy execution, Monte Carlo and sweeps."""
