"""Training, validation and export of pba's default models (see docs/models.md)."""
