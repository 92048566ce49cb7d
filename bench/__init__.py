"""kubeadm-pulumi's benchmarks (issue 6): the product side by side with real kubeadm on the same lab nodes.

Run `python bench/run.py --help`. Absolute times on shared machines drift, so each figure is a ratio against a
baseline measured in the same run. Nothing here asserts on time; it measures and reports.
"""
