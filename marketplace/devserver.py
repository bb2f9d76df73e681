"""`make run`: serve the app, deliver the outbox in the background, catch mail locally.

In development, if nothing listens on MAIL_SERVER:MAIL_PORT, an aiosmtpd server is started
there that writes each message to `instance/mail/` so the demo's emails can be read.
"""
from __future__ import annotations

import argparse
import socket
import threading
import time
from email import message_from_bytes
from pathlib import Path


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


class _MaildirHandler:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        message = message_from_bytes(envelope.original_content or envelope.content)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = self.folder / f"{stamp}-{abs(hash(message.get('Message-ID'))) % 10**8}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        print(f"[mail] to {', '.join(envelope.rcpt_tos)}: {message.get('Subject')} -> {path}")
        return "250 OK"


def _deliver_forever(app, interval: float) -> None:
    from marketplace import db
    from marketplace.mail.services import deliver_pending

    while True:
        with app.app_context():
            try:
                deliver_pending(app.config)
            except Exception:  # keep the demo alive; errors are logged
                app.logger.exception("outbox delivery failed")
            finally:
                db.session.remove()
        time.sleep(interval)


def main() -> None:
    """Serve the app with background mail delivery."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args()

    from marketplace import create_app, freeze_startup_heap

    app = create_app()
    freeze_startup_heap()
    host, port = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    if not app.config["PRODUCTION"] and host in ("127.0.0.1", "localhost") and not _port_in_use(host, port):
        from aiosmtpd.controller import Controller

        Controller(_MaildirHandler(Path(app.instance_path) / "mail"), hostname=host, port=port).start()
        print(f"Development mail server on {host}:{port}; messages are saved in instance/mail/")
    threading.Thread(target=_deliver_forever, args=(app, 3.0), daemon=True).start()
    __import__("marketplace.search.sync", fromlist=["start_applier"]).start_applier(app)  # index events
    print(f"Serving Anchor Marketplace on http://{args.host}:{args.port}")
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)


if __name__ == "__main__":
    main()
