#!/usr/bin/env python3
"""Writes N alinks-style link records (deterministic) for benchmarks: gen_links.py N"""
import json
import random
import sys

count = int(sys.argv[1])
rng = random.Random(42)
hosts = [f"site{n}.example.com" for n in range(50)] + ["www.example.org", "EXAMPLE.net"]
out = sys.stdout
for i in range(count):
    page_host = rng.choice(hosts)
    link_host = page_host if rng.random() < 0.7 else rng.choice(hosts)
    scheme = "HTTPS" if rng.random() < 0.01 else "https"
    record = {
        "url": f"{scheme}://{link_host}/p/{rng.randrange(100000)}.html",
        "from": f"https://{page_host}/p/{rng.randrange(100000)}.html",
        "tag": "a", "attr": "href",
        "text": "page %d" % rng.randrange(1000),
        "depth": rng.randrange(4),
    }
    out.write(json.dumps(record, separators=(",", ":")) + "\n")
