"""The change feed: every change to public datasets, in commit order, for nightly harvesters."""
