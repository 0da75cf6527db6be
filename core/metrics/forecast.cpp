// Filled in by the statistics/forecast work (issue 4).
