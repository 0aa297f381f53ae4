# afetch on nginx (127.0.0.1, one worker) beside curl --parallel, wget2 and the
# textbook aiohttp fetcher (a semaphore and one pooled ClientSession): 20,000
# small pages, the same URL list for all. Needs: $BIN, $WORK, measure, ratio.
source scripts/lib/nginx.sh
ensure_packages nginx-light wget2 curl
python3 -c 'import aiohttp' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check aiohttp

site="$WORK/fetch-site"
if [ ! -d "$site" ]; then
    mkdir -p "$site"
    python3 - "$site" <<'PY'
import sys
root = sys.argv[1]
filler = "<p>" + "lorem ipsum dolor sit amet " * 70 + "</p>"   # about 2 KB
for n in range(20000):
    with open(f"{root}/{n}.html", "w") as page:
        page.write(f"<html><body><h1>page {n}</h1>{filler}<a href='{(n + 1) % 20000}.html'>next</a></body></html>")
    if n < 2000:
        with open(f"{root}/big-{n}.html", "w") as page:
            page.write("<html><body>" + filler * 4 + "</body></html>")   # about 8 KB
PY
fi
port=18181
start_nginx "$site" "$port"
urls="$WORK/fetch-urls.txt"
seq 0 19999 | sed "s|.*|http://127.0.0.1:$port/&.html|" > "$urls"
big="$WORK/fetch-big.txt"
for _ in 1 2 3 4 5 6 7 8 9 10; do seq 0 1999; done | sed "s|.*|http://127.0.0.1:$port/big-&.html|" > "$big"
sed 's|.*|url = "&"\noutput = "/dev/null"|' "$urls" > "$WORK/curl-small.cfg"
sed 's|.*|url = "&"\noutput = "/dev/null"|' "$big" > "$WORK/curl-big.cfg"
cat > "$WORK/aiohttp_fetch.py" <<'PY'
# The textbook asyncio fetcher: a semaphore for the concurrency limit and one pooled session.
import asyncio, sys, aiohttp
async def main(limit):
    urls = [line.strip() for line in sys.stdin if line.strip()]
    semaphore = asyncio.Semaphore(limit)
    connector = aiohttp.TCPConnector(limit=limit)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def fetch(url):
            async with semaphore:
                async with session.get(url) as response:
                    await response.read()
                    return response.status
        statuses = await asyncio.gather(*(fetch(url) for url in urls))
    print(sum(1 for s in statuses if s == 200))
asyncio.run(main(int(sys.argv[1])))
PY
echo "input: 20,000 pages of about 2 KB (and 20,000 fetches of 8 KB pages) from nginx on 127.0.0.1"
for c in 8 64; do
    measure "afetch -c $c --body none" 20000 "$BIN/afetch -q -c $c --per-host $c --body none < $urls"; a=$MEASURED_RATE
    measure "curl --parallel --parallel-max $c" 20000 "curl -s --parallel --parallel-max $c -K $WORK/curl-small.cfg"; cu=$MEASURED_RATE
    measure "wget2 --max-threads $c" 20000 "wget2 -q --max-threads $c -O /dev/null -i $urls"; w=$MEASURED_RATE
    measure "aiohttp fetcher ($c)" 20000 "python3 $WORK/aiohttp_fetch.py $c < $urls"; py=$MEASURED_RATE
    ratio "afetch / wget2 (-c $c, target 1.0x)" "$a" "$w"
    ratio "afetch / curl --parallel (-c $c, target 1.7x)" "$a" "$cu"
    ratio "afetch / aiohttp (-c $c, target 5x)" "$a" "$py"
done
measure "afetch -c 64 --body auto (8 KB pages)" 20000 "$BIN/afetch -q -c 64 --per-host 64 < $big"; a=$MEASURED_RATE
measure "curl --parallel 64 to /dev/null (8 KB)" 20000 "curl -s --parallel --parallel-max 64 -K $WORK/curl-big.cfg"; cu=$MEASURED_RATE
ratio "afetch bodies kept / curl (target 1.0x)" "$a" "$cu"

million="$WORK/fetch-1m.txt"
[ -s "$million" ] || for _ in $(seq 50); do cat "$urls"; done > "$million"
REPEAT=1 measure "afetch -c 64, 1,000,000 URLs (RSS < 64 MB)" 1000000 "$BIN/afetch -q -c 64 --per-host 64 --body none < $million"
stop_nginx
trap - EXIT
