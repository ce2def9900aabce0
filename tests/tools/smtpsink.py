#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""smtpsink.py MBOX PORTFILE: a loopback SMTP server for ./kmem send's test.

Listens on 127.0.0.1 (a free port, written to PORTFILE once it accepts
connections), appends every message it receives to MBOX (mboxrd) and its
envelope recipients to MBOX.rcpt, one line per message, until killed.
"""
import os
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, mbox):
        self.mbox = mbox

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode()
        lines = data.replace(b"\r\n", b"\n").split(b"\n")
        with open(self.mbox, "ab") as f:
            f.write(b"From smtpsink@localhost Thu Jan  1 00:00:00 1970\n")
            for line in lines:
                # mboxrd: ">*From " gets one more ">".
                if line.lstrip(b">").startswith(b"From "):
                    line = b">" + line
                f.write(line + b"\n")
            f.write(b"\n")
        with open(self.mbox + ".rcpt", "a") as f:
            f.write(" ".join(envelope.rcpt_tos) + "\n")
        return "250 OK"


def main():
    mbox, portfile = sys.argv[1], sys.argv[2]
    # A free port (aiosmtpd 1.4 cannot be given port 0).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctl = Controller(Sink(mbox), hostname="127.0.0.1", port=port)
    ctl.start()
    with open(portfile + ".tmp", "w") as f:
        f.write(f"{ctl.port}\n")
    os.rename(portfile + ".tmp", portfile)
    try:
        while True:
            time.sleep(3600)
    finally:
        ctl.stop()


if __name__ == "__main__":
    main()
