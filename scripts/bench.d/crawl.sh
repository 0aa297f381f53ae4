# The whole crawl: a generated site of 20,000 pages on nginx (127.0.0.1), crawled to depth 3
# from its index by scripts/acrawl beside wget2 --recursive and the textbook aiohttp crawler
# (recursive gather, and level by level), all at concurrency 64. Every crawler's fetched set
# is checked against a breadth-first search computed from the generated files alone.
# CRAWL_REPEAT (default 3) sets the rounds (the recursive crawler, which takes most of a
# minute, runs once). Needs: $BIN, $WORK and scripts/lib/bench.sh.
source scripts/lib/nginx.sh
ensure_packages nginx-light wget2
python3 -c 'import aiohttp, bs4' 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check aiohttp beautifulsoup4

site="$WORK/crawl-site"
[ -f "$site/p/19999.html" ] || python3 scripts/lib/gen_crawl_site.py "$site" 20000 30
port=18182
root="http://127.0.0.1:$port/"
start_nginx "$site" "$port"
reference="$WORK/crawl-reference.txt"
python3 scripts/lib/reference_bfs.py "$site" "$root" 3 > "$reference"
reachable=$(wc -l < "$reference")
echo "input: 20,000 pages of about 3 KB, 33 links each; $reachable reachable within 3 links of the index"

# What each crawler fetched, one URL a line, sorted; compared with the reference.
check() {
    local label="$1" fetched="$2"
    local count missing extra
    count=$(sort -u "$fetched" | wc -l)
    missing=$(sort -u "$fetched" | comm -13 - "$reference" | wc -l)
    extra=$(sort -u "$fetched" | comm -23 - "$reference" | wc -l)
    printf '%-44s %6d fetched, %d twice, %d missing, %d outside the reference\n' \
        "$label" "$count" "$(( $(wc -l < "$fetched") - count ))" "$missing" "$extra"
}

# The three fast crawlers take turns, round after round, so that the machine's drift over
# the case reaches each alike; their ratios are medians of the rounds' own ratios.
out="$WORK/crawl-acrawl"
wout="$WORK/crawl-wget2"
forget acrawl wget2 levels
for _ in $(seq "${CRAWL_REPEAT:-3}"); do
    timed acrawl "ACRAWL_BIN=$BIN scripts/acrawl --depth 3 --concurrency 64 --per-host 64 --out $out $root" "rm -rf $out"
    timed wget2 "wget2 -q --recursive --level 3 --max-threads 64 --no-robots -P $wout $root" "rm -rf $wout"
    timed levels "python3 scripts/lib/aiohttp_crawl.py levels $root 3 64 > $WORK/crawl-levels.txt"
done

report acrawl "scripts/acrawl --depth 3 -c 64" "$reachable"
a=$MEASURED_RATE
cat "$out"/pages-*.ndjson | jq -r 'select(.status == 200) | .url' > "$WORK/crawl-acrawl.txt"
check "  acrawl" "$WORK/crawl-acrawl.txt"

report wget2 "wget2 --recursive --level 3 --max-threads 64" "$reachable"
(cd "$wout" && find . -type f -name '*.html') | sed "s|^\./127\.0\.0\.1[^/]*/|$root|; s|${root}index\.html$|$root|" \
    > "$WORK/crawl-wget2.txt"
check "  wget2" "$WORK/crawl-wget2.txt"

report levels "aiohttp crawler, level by level" "$reachable"
check "  aiohttp levels" "$WORK/crawl-levels.txt"

REPEAT=1 measure "aiohttp crawler, recursive gather (1 run)" "$reachable" \
    "python3 scripts/lib/aiohttp_crawl.py recursive $root 3 64 > $WORK/crawl-recursive.txt"
r=$MEASURED_RATE
check "  aiohttp recursive" "$WORK/crawl-recursive.txt"

paired_ratio "acrawl / wget2 (pages/s, target 1.0x)" acrawl wget2
paired_ratio "acrawl / aiohttp levels (target 7x)" acrawl levels
ratio "acrawl / aiohttp recursive (target 40x)" "$a" "$r"
stop_nginx
trap - EXIT
