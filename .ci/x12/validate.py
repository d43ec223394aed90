#!/usr/bin/env python3
"""Validate X12 files with pyx12 (4.0.0) through its Python API.

Prints each error pyx12 finds and exits 1 if there is any, 0 when every file
is accepted. (pyx12's own x12valid script exits 1 even on success, so its
exit code cannot be used.)

    python3 .ci/x12/validate.py FILE...
"""
import io
import logging
import sys

import pyx12.error_handler
import pyx12.params
import pyx12.x12n_document


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def validate(path):
    handler = Collect()
    logger = logging.getLogger("pyx12")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    try:
        param = pyx12.params.params()
        ack = io.StringIO()
        ok = pyx12.x12n_document.x12n_document(param, path, ack, None, None)
    finally:
        logger.removeHandler(handler)
    # The 999 pyx12 writes says whether the transaction set was accepted (IK5*A).
    accepted = ok and "IK5*A" in ack.getvalue() and "AK9*A" in ack.getvalue()
    return accepted, handler.messages, ack.getvalue()


def main(paths):
    failed = 0
    for path in paths:
        accepted, messages, ack = validate(path)
        if accepted and not messages:
            print(f"{path}: accepted")
        else:
            failed += 1
            print(f"{path}: REJECTED")
            for m in messages:
                print(f"  {m}")
            print("  999: " + ack.replace("\n", " "))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
