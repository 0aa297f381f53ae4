# astats: a summary of 1,000,000 fetch-like records (the generator's 200 hosts, skewed),
# beside the same aggregation in jq (jq -s: group_by counts and a sort-based
# percentile) and in Python (json per line, Counter, sorted percentile); then
# peak RSS over 10,000,000 records (the file ten times). Needs: $BIN, $WORK,
# measure/ratio from lib/bench.sh.
records="$WORK/fetch-1m.ndjson"
[ -s "$records" ] || python3 scripts/lib/gen_fetch_records.py 1000000 > "$records"
lines=$(wc -l < "$records")
echo "input: $lines fetch records, $(du -m "$records" | cut -f1) MB"

cat > "$WORK/astats.jq" <<'JQ'
{records: length,
 ok: map(select(.ok == true)) | length,
 failed: map(select(.ok == false)) | length,
 status: (map(.status | select(. != null)) | group_by(.) | map({key: (.[0] | tostring), value: length}) | from_entries),
 errors: (map(.error.kind? // empty) | group_by(.) | map({key: .[0], value: length}) | from_entries),
 latency_ms: (map(.elapsed_ms // empty) | sort | {min: .[0], p50: .[(length * 0.5 | floor)], p90: .[(length * 0.9 | floor)], p99: .[(length * 0.99 | floor)], max: .[-1]}),
 bytes: (map(.length // 0) | add),
 hosts: (map(.url | split("/")[2]) | group_by(.) | map({host: .[0], records: length}) | sort_by(-.records) | .[:10])}
JQ

cat > "$WORK/astats.py" <<'PY'
import collections, json, sys
records = ok = failed = size = 0
status, errors, hosts = collections.Counter(), collections.Counter(), collections.Counter()
latency = []
for line in sys.stdin:
    r = json.loads(line)
    records += 1
    ok += r.get("ok") is True
    failed += r.get("ok") is False
    if r.get("status") is not None: status[r["status"]] += 1
    if r.get("error"): errors[r["error"].get("kind")] += 1
    if r.get("elapsed_ms") is not None: latency.append(r["elapsed_ms"])
    size += r.get("length") or 0
    hosts[r["url"].split("/")[2].lower()] += 1
latency.sort()
pick = lambda q: latency[min(len(latency) - 1, int(q * len(latency)))] if latency else 0
print(json.dumps({"records": records, "ok": ok, "failed": failed, "status": status, "errors": errors,
                  "latency_ms": {"p50": pick(.5), "p90": pick(.9), "p99": pick(.99)}, "bytes": size,
                  "hosts": hosts.most_common(10)}))
PY

measure "astats" "$lines" "$BIN/astats < $records"; astats=$MEASURED_RATE
measure "astats --table --field timing.connect_ms" "$lines" "$BIN/astats --table --field timing.connect_ms < $records"
# The peers take tens of seconds a run: three runs each.
REPEAT=3 measure "jq -s (group_by counts, sorted percentiles)" "$lines" "jq -c -s -f $WORK/astats.jq < $records"; jq=$MEASURED_RATE
REPEAT=3 measure "python3 (json.loads, Counter, sorted)" "$lines" "python3 $WORK/astats.py < $records"; python=$MEASURED_RATE
ratio "astats / jq" "$astats" "$jq"
ratio "astats / python3" "$astats" "$python"
# Memory must not grow with the input: ten times the records, the same peak RSS.
REPEAT=1 measure "astats, 10M records (peak RSS)" "$((lines * 10))" "for i in 1 2 3 4 5 6 7 8 9 10; do cat $records; done | $BIN/astats"
