"""Web Push: the installation's VAPID key, consumers' browser subscriptions, pushes of new listings."""
