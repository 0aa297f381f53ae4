#!/usr/bin/env python3
"""Writes N afetch-style output records (deterministic, seed 42) for benchmarks:
gen_fetch_records.py N [HOSTS]   (HOSTS distinct hosts, default 200)

Latencies are log-normal around 40 ms with a slow tail, about 4% of records
fail (timeouts, resets, DNS, 404/500/503), a few needed retries, and
fetched_at advances by about 1 ms a record."""
import datetime
import random
import sys

count = int(sys.argv[1])
host_count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
rng = random.Random(42)
hosts = [f"site{n}.example.com" for n in range(host_count)]
# A skewed host mix: a few hosts get most records, as in a real crawl.
weights = [1.0 / (rank + 1) for rank in range(host_count)]
start = datetime.datetime(2026, 11, 25, 18, 0, 0, tzinfo=datetime.timezone.utc)
out = sys.stdout
write = out.write
chosen_hosts = rng.choices(hosts, weights, k=count)
for i in range(count):
    host = chosen_hosts[i]
    url = f"https://{host}/p/{rng.randrange(100000)}.html"
    elapsed = round(rng.lognormvariate(3.7, 0.6), 3)
    roll = rng.random()
    attempts = 1
    if roll < 0.01:
        status, ok, error = "null", "false", '{"kind":"timeout","message":"Operation timed out after 30000 ms"}'
        elapsed, attempts, length = round(30000.0 + rng.random() * 50, 3), 3, 0
    elif roll < 0.015:
        status, ok, error = "null", "false", '{"kind":"reset","message":"Connection reset by peer"}'
        length = 0
    elif roll < 0.02:
        status, ok, error = "null", "false", '{"kind":"dns","message":"Could not resolve host"}'
        length = 0
    elif roll < 0.04:
        code = rng.choice([404, 404, 404, 500, 503])
        status, ok, error = str(code), "false", '{"kind":"http","message":"HTTP %d"}' % code
        attempts = 3 if code >= 500 else 1
        length = rng.randrange(200, 2000)
    else:
        status, ok, error = "200", "true", "null"
        length = rng.randrange(2000, 60000)
        if rng.random() < 0.02:
            attempts = 2
    ttfb = round(elapsed * rng.uniform(0.5, 0.9), 3)
    dns = round(rng.uniform(0, 0.05), 3)
    connect = round(dns + rng.uniform(0.05, 0.5), 3)
    tls = round(connect + rng.uniform(1, 5), 3)
    at = start + datetime.timedelta(milliseconds=i + rng.randrange(5))
    fetched_at = at.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (at.microsecond // 1000)
    write(
        '{"url":"%s","final_url":"%s","status":%s,"ok":%s,"content_type":"text/html; charset=utf-8",'
        '"length":%d,"attempts":%d,"elapsed_ms":%s,"timing":{"dns_ms":%s,"connect_ms":%s,"tls_ms":%s,'
        '"ttfb_ms":%s,"total_ms":%s},"redirects":0,"http_version":"1.1","fetched_at":"%s","error":%s}\n'
        % (url, url, status, ok, length, attempts, elapsed, dns, connect, tls, ttfb, elapsed, fetched_at, error))
