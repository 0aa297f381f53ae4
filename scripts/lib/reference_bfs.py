"""The pages a breadth-first crawl reaches from ROOT_URL within DEPTH links, computed from
the generated files alone (a plain href scan and urljoin), one URL a line on stdout.
usage: reference_bfs.py SITE_DIR ROOT_URL DEPTH
"""
import re
import sys
from urllib.parse import urldefrag, urljoin, urlsplit

site, root_url, depth = sys.argv[1], sys.argv[2], int(sys.argv[3])
origin = urlsplit(root_url)
href = re.compile(r'<a href="([^"]*)"')


def file_for(url):
    path = urlsplit(url).path
    return site + ("/index.html" if path == "/" else path)


level, seen = [root_url], {root_url}
for d in range(depth + 1):
    next_level = []
    for url in level:
        if d == depth:
            break
        with open(file_for(url)) as page:
            for target in href.findall(page.read()):
                link = urldefrag(urljoin(url, target))[0]
                if urlsplit(link).netloc == origin.netloc and link not in seen:
                    seen.add(link)
                    next_level.append(link)
    level = next_level
print("\n".join(sorted(seen)))
