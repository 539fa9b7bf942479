"""Customer returns: notice, inspection (restock, damaged, scrap), restock into locations."""
