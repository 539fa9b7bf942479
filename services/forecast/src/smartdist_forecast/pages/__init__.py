"""The merchant's pages: upload with the quality report, forecast charts, accuracy, recommendations."""
