"""The checklist the CLI contract tests share: every check prints ok or FAILED with its
message, so a CTest log reads as the list of promises; finish() exits 1 if any failed."""
import sys

failures = 0


def check(condition, message):
    global failures
    print(("ok: " if condition else "FAILED: ") + message)
    failures += not condition


def finish():
    print(f"{failures} failed")
    sys.exit(1 if failures else 0)
