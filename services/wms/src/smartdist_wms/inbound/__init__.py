"""Inbound orders (ASN): receive with inspection, put away into locations."""
