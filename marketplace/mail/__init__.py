"""Email: an outbox written in the event's transaction, delivered over SMTP afterwards."""
