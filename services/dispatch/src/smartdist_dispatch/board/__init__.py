"""The dispatcher's side: plan board, live map, live changes (rush orders, re-plan), exceptions, analytics."""
