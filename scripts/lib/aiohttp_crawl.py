"""The textbook asyncio crawler: a semaphore for the concurrency limit, one pooled
ClientSession, BeautifulSoup (html.parser) for links, a same-host filter, a depth limit and
a visited set. Two shapes: "recursive" (each page gathers the crawls of its links, checking depth
and visited on entry and parsing every page, as the textbook writes it) and "levels" (one
gather per depth level, the last level not parsed). Prints the URLs it fetched.
usage: aiohttp_crawl.py recursive|levels ROOT_URL DEPTH CONCURRENCY
"""
import asyncio
import sys
from urllib.parse import urldefrag, urljoin, urlsplit

import aiohttp
from bs4 import BeautifulSoup

shape, root_url, depth_limit, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
host = urlsplit(root_url).netloc


def same_host_links(url, html):
    soup = BeautifulSoup(html, "html.parser")
    links = {urldefrag(urljoin(url, a["href"]))[0] for a in soup.find_all("a", href=True)}
    return [link for link in links if urlsplit(link).netloc == host]


async def main():
    semaphore = asyncio.Semaphore(limit)
    visited, fetched = set(), []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit)) as session:
        async def fetch(url):
            async with semaphore:
                async with session.get(url) as response:
                    fetched.append(url)
                    return await response.text() if response.status == 200 else None

        async def crawl(url, depth):
            # As the textbook writes it: the checks on entry, every fetched page parsed.
            if depth > depth_limit or url in visited:
                return
            visited.add(url)
            html = await fetch(url)
            if html is not None:
                await asyncio.gather(*(crawl(link, depth + 1) for link in same_host_links(url, html)))

        if shape == "recursive":
            await crawl(root_url, 0)
        else:
            visited.add(root_url)
            level = [root_url]
            for depth in range(depth_limit + 1):
                pages = await asyncio.gather(*(fetch(url) for url in level))
                if depth == depth_limit:
                    break
                next_level = []
                for url, html in zip(level, pages):
                    for link in same_host_links(url, html) if html else []:
                        if link not in visited:
                            visited.add(link)
                            next_level.append(link)
                level = next_level
    print("\n".join(fetched))

asyncio.run(main())
