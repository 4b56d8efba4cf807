"""Ad platform adapters behind one port (`base.py`); a registry picks them from settings."""
