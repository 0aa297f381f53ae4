# afilter: --same-host and --same-host --unique over 1,000,000 link records,
# beside jq, a Python json-per-line filter and grep -F (the ceiling: a plain
# substring test, wrong on upper-case schemes); then peak RSS of --unique on
# 10,000,000 distinct URLs. Needs: $BIN, $WORK, measure/ratio from lib/bench.sh.
ensure_packages jq
links="$WORK/links-1m.ndjson"
[ -s "$links" ] || python3 scripts/lib/gen_links.py 1000000 > "$links"
lines=$(wc -l < "$links")
echo "input: $lines link records, $(du -m "$links" | cut -f1) MB"

# The same --same-host in each peer; the generator's URLs have no port or user information.
host='ascii_downcase | ltrimstr("https://") | ltrimstr("http://") | split("/")[0]'
cat > "$WORK/same_host.py" <<'EOF'
import json, sys
from urllib.parse import urlsplit
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    record = json.loads(line)
    url, page = urlsplit(record["url"]), urlsplit(record["from"])
    if url.hostname == page.hostname and url.port == page.port:
        out.write(line)
EOF

measure "afilter --same-host" "$lines" "$BIN/afilter --same-host < $links"; same_host=$MEASURED_RATE
measure "afilter --same-host --unique" "$lines" "$BIN/afilter --same-host --unique < $links"; unique=$MEASURED_RATE
# Through cat: GNU grep stops at the first match when its output is /dev/null.
measure "grep -F (ceiling)" "$lines" "grep -F '\"url\":\"https://' < $links | cat"; grep_rate=$MEASURED_RATE
measure "python3 json-per-line --same-host" "$lines" "python3 $WORK/same_host.py < $links"; python=$MEASURED_RATE
# jq takes about 20 s a run here: three runs are enough for a median.
saved_repeat=$REPEAT; REPEAT=3
measure "jq -c select(same host)" "$lines" "jq -c 'select((.url | $host) == (.from | $host))' < $links"; jq=$MEASURED_RATE
REPEAT=$saved_repeat
ratio "afilter --same-host / jq" "$same_host" "$jq"
ratio "afilter --same-host / python3" "$same_host" "$python"
ratio "afilter --same-host / grep -F" "$same_host" "$grep_rate"
ratio "afilter --same-host --unique / jq" "$unique" "$jq"

# Memory of dedupe: 10,000,000 distinct URLs, one run (the peak RSS is the point).
distinct="$WORK/distinct-10m.ndjson"
[ -s "$distinct" ] || awk 'BEGIN { for (i = 0; i < 10000000; i++)
    printf "{\"url\":\"https://site%d.example.com/p/%d.html\"}\n", i % 1000, i }' > "$distinct"
saved_repeat=$REPEAT; REPEAT=1
measure "afilter --unique, 10M distinct URLs" 10000000 "$BIN/afilter --unique < $distinct"
REPEAT=$saved_repeat
