"""Times Python's json.load and json.dump(indent=2) of one cache file, for coordinator-benchmarks.

Usage: python3 python_json.py CACHE_FILE ITERATIONS
Prints one JSON object: {"python": "3.11.7", "load_ms": [...], "dump_ms": [...]}.
Both include opening and closing the file, as the Swift side's load and save do; the dump
goes to a sibling file that is removed afterwards.
"""

import json
import os
import platform
import sys
import time


def main() -> None:
    path, iterations = sys.argv[1], int(sys.argv[2])
    target = path + ".python-dump"
    load_ms, dump_ms = [], []
    try:
        for _ in range(iterations):
            start = time.perf_counter()
            with open(path, encoding="utf-8") as f:
                cache = json.load(f)
            load_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            with open(target, "w", encoding="utf-8") as f:
                json.dump(cache, f, indent=2)
            dump_ms.append((time.perf_counter() - start) * 1000)
    finally:
        if os.path.exists(target):
            os.remove(target)
    print(json.dumps({"python": platform.python_version(), "load_ms": load_ms, "dump_ms": dump_ms}))


if __name__ == "__main__":
    main()
