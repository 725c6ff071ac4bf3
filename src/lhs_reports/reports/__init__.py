"""Report-family logic that notebooks call: what to compute and show for each family."""
