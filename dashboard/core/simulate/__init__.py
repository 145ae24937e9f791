"""Simulate: seeded ketamine sessions for the sample data, the statistical tests and the benchmarks.

Modules in the order a cohort is made:

- ``simulator``: patients, their courses and each session's hidden response (``data/simulation.toml``)
- ``simulated_vitals``: what the bedside monitor would export, probe artifacts included
- ``simulated_events``: what a nurse would chart: infusion markers, side effects, interventions
- ``__main__``: ``python -m dashboard.core.simulate [OUT_DIR]`` regenerates ``sample_data/``
"""

from dashboard.core.simulate.simulator import simulate_cohort, simulate_sessions, simulation_params

__all__ = ["simulate_cohort", "simulate_sessions", "simulation_params"]
