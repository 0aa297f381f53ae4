"""Writes the whole-crawl benchmark's site: ROOT/index.html and ROOT/p/N.html for N < PAGES.

Each page links to FANOUT pages drawn at random (seeded, so every run makes the same site)
in the three spellings crawlers meet: root-relative, document-relative and dot-segment
relative, all quoted; plus a repeated link, a fragment link to itself and one link to
another host, which a same-host crawl must not follow.
usage: gen_crawl_site.py ROOT PAGES FANOUT
"""
import os
import random
import sys

root, pages, fanout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(20261125)
os.makedirs(os.path.join(root, "p"), exist_ok=True)
filler = "<p>" + "a crawl benchmark page with some text to parse " * 20 + "</p>\n"


def links(targets, in_page_folder):
    spellings = []
    for i, n in enumerate(targets):
        if i % 3 == 0:
            spellings.append(f'<a href="/p/{n}.html">page {n}</a>')
        elif i % 3 == 1:
            spellings.append(f'<a href="{n}.html">page {n}</a>' if in_page_folder else f'<a href="p/{n}.html">page {n}</a>')
        else:
            spellings.append(f'<a href="../p/{n}.html">page {n}</a>' if in_page_folder else f'<a href="./p/{n}.html">page {n}</a>')
    return "\n".join(spellings)


def write(path, title, targets, in_page_folder):
    body = (f"<!DOCTYPE html>\n<html><head><title>{title}</title></head><body>\n<h1>{title}</h1>\n{filler}"
            f"{links(targets, in_page_folder)}\n<a href=\"#top\">top</a>\n"
            f"<a href=\"/p/{targets[0]}.html\">again</a>\n<a href=\"http://elsewhere.invalid/\">elsewhere</a>\n</body></html>\n")
    with open(path, "w") as page:
        page.write(body)


write(os.path.join(root, "index.html"), "index", rng.sample(range(pages), fanout), False)
for n in range(pages):
    write(os.path.join(root, "p", f"{n}.html"), f"page {n}", rng.sample(range(pages), fanout), True)
