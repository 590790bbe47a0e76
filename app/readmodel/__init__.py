"""The read model: each dataset's public renderings stored once per revision (see service)."""
