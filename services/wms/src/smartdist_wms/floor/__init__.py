"""The floor's pages: the PDA app (receive, putaway, pick, pack, ship by scan) and the office page."""
