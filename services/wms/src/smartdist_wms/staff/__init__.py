"""The warehouse staff: roles of the WMS."""
