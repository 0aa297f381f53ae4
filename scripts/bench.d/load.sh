# Load and memory: afetch -c 256 on 10,000, 100,000 and 1,000,000 URLs from nginx on 127.0.0.1,
# every record counted out and peak RSS reported for each size (it must stay flat); then
# 100,000 pages through afetch | alinks | afilter with afetch's open descriptors sampled from
# /proc while it runs (they must not grow). Needs: $BIN, $WORK, measure.
source scripts/lib/nginx.sh
ensure_packages nginx-light
site="$WORK/fetch-site"   # made by the fetch case: 20,000 pages
[ -f "$site/19999.html" ] || source scripts/bench.d/fetch.sh
port=18183
start_nginx "$site" "$port"
all="$WORK/load-1m.txt"
[ -s "$all" ] || for _ in $(seq 50); do seq 0 19999; done | sed "s|.*|http://127.0.0.1:$port/&.html|" > "$all"

for n in 10000 100000 1000000; do
    head -n "$n" "$all" > "$WORK/load-urls.txt"
    REPEAT=1 measure "afetch -c 256 --body none, $n URLs" "$n" \
        "$BIN/afetch -q -c 256 --per-host 256 --body none < $WORK/load-urls.txt > $WORK/load-out.ndjson"
    out=$(wc -l < "$WORK/load-out.ndjson")
    ok=$(grep -c '"ok":true' "$WORK/load-out.ndjson" || true)
    printf '  %d records out for %d URLs (%d ok)\n' "$out" "$n" "$ok"
done

head -n 100000 "$all" > "$WORK/load-urls.txt"
"$BIN/afetch" -q -c 64 --per-host 64 < "$WORK/load-urls.txt" | "$BIN/alinks" -q | "$BIN/afilter" -q --same-host \
    > "$WORK/load-links.ndjson" &
pipeline=$!
sleep 0.2
afetch_pid=$(pgrep -n -x afetch || true)
samples=""
while kill -0 "$pipeline" 2>/dev/null; do
    [ -n "$afetch_pid" ] && [ -d "/proc/$afetch_pid/fd" ] && samples="$samples $(ls "/proc/$afetch_pid/fd" 2>/dev/null | wc -l)"
    sleep 0.2
done
wait "$pipeline"
echo "100,000 pages through afetch | alinks | afilter: $(wc -l < "$WORK/load-links.ndjson") links;" \
    "afetch's open descriptors:$(echo "$samples" | tr ' ' '\n' | grep . | sort -n \
        | awk 'NR == 1 {min = $1} {max = $1; n++} END {printf " %d to %d over %d samples", min, max, n}')"
stop_nginx
trap - EXIT
