"""Outside APIs the warehouse calls: a port, a real client and a sandbox for each."""
