"""`flask seed-demo` and `flask demo-logins`: the demo collaborative."""
from __future__ import annotations

commands: list = []
