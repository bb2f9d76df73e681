"""Static data for `flask seed-demo`: name parts, streets, industries, institutions, texts."""
