# alinks: link extraction from afetch records, 2,000 generated pages of 6-10 KB
# and five pages of 1-5 MB, beside Python's BeautifulSoup (html.parser),
# lxml.html and selectolax (lexbor) reading the same records.
# Needs: $BIN, $WORK, measure/ratio from lib/bench.sh.
python3 -c 'import bs4, lxml.html, selectolax.lexbor' 2>/dev/null ||
    python3 -m pip install -q --disable-pip-version-check beautifulsoup4 lxml selectolax >&2

# The generator: afetch-style records of deterministic pages (nav lists, text
# with links, images with srcset, scripts holding "<a href>" text, comments,
# relative, absolute, query, fragment, mailto and whitespace-padded hrefs).
cat > "$WORK/alinks_pages.py" <<'EOF'
import json, random, sys

count, low_kb, high_kb, seed = (int(a) for a in sys.argv[1:5])
rng = random.Random(seed)
words = ("crawler fetch index archive page news story report data city river market school garden "
         "music travel science history sport health energy design market café naïve über").split()

def text(n):
    return " ".join(rng.choice(words) for _ in range(n))

def href(host):
    r, n = rng.random(), rng.randrange(100000)
    if r < 0.35: return f"/section/{rng.choice(words)}/{n}.html"
    if r < 0.55: return f"article-{n}.html"
    if r < 0.62: return f"../topic/{n}/"
    if r < 0.67: return f"?page={n % 50}&amp;sort=date"
    if r < 0.85: return f"https://{host}/p/{n}"
    if r < 0.92: return f"https://cdn{n % 7}.example.net/a/{n}?ref=home&amp;x=1"
    if r < 0.95: return f"#section-{n % 9}"
    if r < 0.97: return f"mailto:user{n}@example.org"
    return f"  /spaced/{n}.html\n"

def link(host):
    rel = ' rel="nofollow"' if rng.random() < 0.05 else ""
    return f'<a href="{href(host)}"{rel}>{text(rng.randrange(1, 5))}</a>'

def page(url, host, target):
    parts = [f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{text(6)}</title>\n'
             f'<link rel="stylesheet" href="/static/site.css"><link rel="canonical" href="{url}">\n'
             f'<script src="/static/app.js"></script><script>var x = "<a href=/not-a-link>";</script></head>\n<body>\n',
             "<nav><ul>" + "".join(f"<li>{link(host)}</li>" for _ in range(rng.randrange(10, 25))) + "</ul></nav>\n"]
    size = sum(len(p) for p in parts)
    while size < target:
        r, n = rng.random(), rng.randrange(100000)
        if r < 0.6:
            chunk = "<p>" + " ".join(text(rng.randrange(5, 20)) + " " + link(host) for _ in range(rng.randrange(1, 4))) + "</p>\n"
        elif r < 0.8:
            chunk = (f'<div class="card"><img src="/img/{n}.jpg" alt="{text(3)}" '
                     f'srcset="/img/{n}-2x.jpg 2x, /img/{n}-3x.jpg 3x"><h2>{text(5)}</h2></div>\n')
        else:
            chunk = f"<!-- {text(8)} --><table><tr><td>{text(4)}</td><td>{n % 1000}</td></tr></table>\n"
        parts.append(chunk)
        size += len(chunk)
    parts.append(f"<footer>{link(host)} {link(host)}</footer></body></html>\n")
    return "".join(parts)

for i in range(count):
    host = f"site{rng.randrange(20)}.example.com"
    url = f"https://{host}/dir{rng.randrange(100)}/page-{i}.html"
    record = {"url": url, "final_url": url, "status": 200, "ok": True, "content_type": "text/html",
              "depth": rng.randrange(3), "body": page(url, host, rng.randrange(low_kb * 1024, high_kb * 1024 + 1))}
    sys.stdout.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
EOF

# The peers: the same records in, a link record per a[href] out (alinks' drop
# rules: empty, fragment-only, javascript:, mailto:, tel:, data:), the count on stderr.
cat > "$WORK/alinks_peer.py" <<'EOF'
import json, sys
from urllib.parse import urldefrag, urljoin

mode = sys.argv[1]
if mode.startswith("selectolax"):
    from selectolax.lexbor import LexborHTMLParser as HTMLParser
elif mode == "lxml":
    import lxml.html
else:
    from bs4 import BeautifulSoup

DROPPED = ("javascript:", "mailto:", "tel:", "data:")

def anchors(body):
    """(href, text) of each a[href], in document order."""
    if mode.startswith("selectolax"):
        return [(a.attributes.get("href") or "", a.text(deep=True)) for a in HTMLParser(body).css("a[href]")]
    if mode == "lxml":
        return [(a.get("href"), a.text_content()) for a in lxml.html.document_fromstring(body).iter("a") if a.get("href") is not None]
    return [(a["href"], a.get_text()) for a in BeautifulSoup(body, "html.parser").find_all("a", href=True)]

count = 0
out = sys.stdout
for line in sys.stdin:
    page = json.loads(line)
    body = page.get("body")
    if not page.get("ok") or not body:
        continue
    found = anchors(body)
    if mode == "selectolax-parse":
        count += len(found)
        continue
    base = page.get("final_url") or page["url"]
    for href, text in found:
        href = href.strip()
        if not href or href.startswith("#") or href.lower().startswith(DROPPED):
            continue
        url = urldefrag(urljoin(base, href))[0]
        out.write(json.dumps({"url": url, "from": base, "tag": "a", "attr": "href",
                              "text": " ".join(text.split())[:200], "depth": page.get("depth", 0) + 1}) + "\n")
        count += 1
print(f"{mode}: {count} links", file=sys.stderr)
EOF

pages="$WORK/alinks-pages.ndjson"
large="$WORK/alinks-large.ndjson"
[ -s "$pages" ] || python3 "$WORK/alinks_pages.py" 2000 6 10 1 > "$pages"
[ -s "$large" ] || python3 "$WORK/alinks_pages.py" 5 1024 5120 2 > "$large"
# Rates are in KB (1000 bytes) of HTML per second, fine enough for the slow peers' ratios.
html_kb() { python3 -c 'import json,sys; print(round(sum(len(json.loads(l)["body"].encode()) for l in open(sys.argv[1])) / 1e3))' "$1"; }
pages_kb=$(html_kb "$pages")
large_kb=$(html_kb "$large")
echo "input: 2000 pages, $pages_kb KB of HTML; 5 large pages, $large_kb KB (rates below are KB of HTML per second)"

echo "- 2000 pages of 6-10 KB"
measure "alinks" "$pages_kb" "$BIN/alinks -q < $pages"; alinks=$MEASURED_RATE
measure "alinks --all" "$pages_kb" "$BIN/alinks -q --all < $pages"
measure "selectolax, parse only" "$pages_kb" "python3 $WORK/alinks_peer.py selectolax-parse < $pages"; sparse=$MEASURED_RATE
measure "selectolax + urljoin" "$pages_kb" "python3 $WORK/alinks_peer.py selectolax < $pages"; sjoin=$MEASURED_RATE
measure "lxml.html + urljoin" "$pages_kb" "python3 $WORK/alinks_peer.py lxml < $pages"; lxml=$MEASURED_RATE
REPEAT=3 measure "BeautifulSoup(html.parser) + urljoin" "$pages_kb" "python3 $WORK/alinks_peer.py bs4 < $pages"; bs4=$MEASURED_RATE
ratio "alinks / selectolax parse only" "$alinks" "$sparse"
ratio "alinks / selectolax + urljoin" "$alinks" "$sjoin"
ratio "alinks / lxml.html + urljoin" "$alinks" "$lxml"
ratio "alinks / BeautifulSoup" "$alinks" "$bs4"
ours=$("$BIN/alinks" -q < "$pages" | wc -l)
theirs=$(python3 "$WORK/alinks_peer.py" lxml < "$pages" | wc -l)
echo "links on the 2000 pages: alinks $ours, lxml.html $theirs$([ "$ours" = "$theirs" ] && echo ' (equal)' || echo ' (DIFFERENT)')"

echo "- 5 pages of 1-5 MB"
measure "alinks" "$large_kb" "$BIN/alinks -q < $large"; alinks=$MEASURED_RATE
measure "selectolax + urljoin" "$large_kb" "python3 $WORK/alinks_peer.py selectolax < $large"; sjoin=$MEASURED_RATE
measure "lxml.html + urljoin" "$large_kb" "python3 $WORK/alinks_peer.py lxml < $large"; lxml=$MEASURED_RATE
REPEAT=1 measure "BeautifulSoup(html.parser) + urljoin" "$large_kb" "python3 $WORK/alinks_peer.py bs4 < $large"; bs4=$MEASURED_RATE
ratio "alinks / selectolax + urljoin" "$alinks" "$sjoin"
ratio "alinks / lxml.html + urljoin" "$alinks" "$lxml"
ratio "alinks / BeautifulSoup" "$alinks" "$bs4"
